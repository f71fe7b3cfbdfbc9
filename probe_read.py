import os, sys, threading, time, errno, subprocess
import av
canary = os.path.abspath("canary.mp4")
opened = []
stop = False
def watch():
    while not stop:
        try:
            fd = os.open(canary, os.O_WRONLY | os.O_NONBLOCK)
            opened.append(time.time()); os.close(fd)
        except OSError as e:
            if e.errno != errno.ENXIO: raise
        time.sleep(0.005)
t = threading.Thread(target=watch, daemon=True); t.start()
manifests = {
 "hls.mp4": "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\ncanary.mp4\n#EXT-X-ENDLIST\n",
 "concat.mov": "ffconcat version 1.0\nfile 'canary.mp4'\n",
 "dash.mp4": '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT10S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"><Period><AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="1000" width="640" height="480"><BaseURL>canary.mp4</BaseURL></Representation></AdaptationSet></Period></MPD>',
}
for name, text in manifests.items():
    open(name, "w").write(text)
    opened.clear()
    try:
        c = av.open(name); print(name, "pyav opened", c.format.name); 
        try:
            for f in c.decode(video=0): break
        except Exception as e: print("  decode", type(e).__name__)
        c.close()
    except Exception as e:
        print(name, "pyav refused", type(e).__name__)
    time.sleep(0.1); print("  canary opened by pyav:", bool(opened))
    opened.clear()
    import imageio_ffmpeg
    r = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", name, "-f", "null", "-"], capture_output=True, timeout=20)
    time.sleep(0.1); print("  ffmpeg rc", r.returncode, r.stderr.decode()[-150:].strip().replace("\n"," | "), "canary opened:", bool(opened))
stop = True
