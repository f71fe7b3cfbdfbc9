"""What the annotated review copy shows, frame by frame.

In: decoded frames, the pose samples around them, the narration and the events. Out: frames
with skeletons (the patient in the emotion's colour), face and hands, labels and the caption,
bystanders' faces blurred, fed to the encoder. :mod:`~voice.drawing.timeline` says what shows
when (no pixels), :mod:`~voice.drawing.interpolation` the pose between samples,
:mod:`~voice.drawing.blur` blurs the faces of everyone but the patient, :mod:`~voice.drawing.overlay`
draws one frame, :mod:`~voice.drawing.drawer` runs drawing and encoding in a thread of their own.
"""
