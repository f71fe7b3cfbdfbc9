"""The key of the patient references (:mod:`voice.refs`) on AWS: a Secrets Manager secret the
stack creates, encrypted with the stack's data key. Read once per process."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from voice import refs

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

__all__ = ["RefKeys"]


class RefKeys:
    """Patient references under the key held in secret ``secret_id`` (read on first use)."""

    def __init__(self, client: SecretsManagerClient, secret_id: str) -> None:
        self._client = client
        self._secret_id = secret_id
        self._key: bytes | None = None

    def key(self) -> bytes:
        if self._key is None:
            value = self._client.get_secret_value(SecretId=self._secret_id)
            self._key = value["SecretString"].encode("utf-8")
        return self._key

    def ref(self, patient: str) -> str:
        return refs.patient_ref(patient, self.key())

    def patient_of(self, ref: str, names: Iterable[str]) -> str | None:
        """The name among ``names`` whose reference is ``ref`` (None: none of them). How the gate
        finds the patient of a ``Recheck``, which carries the reference only: the name lives in
        the bucket (its folder), nowhere else."""
        key = self.key()
        return next((n for n in names if refs.patient_ref(n, key) == ref), None)
