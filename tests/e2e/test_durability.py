"""Nothing acknowledged is lost: a loop of writes, kill -9, restart."""

import threading

from conftest import Server


def region_of(i):
    # Five trails fit in a region (AWS's quota), so the loop spreads them over regions.
    return f"crash-{i // 5:03d}"


def test_acknowledged_writes_survive_kill_9(data_dir):
    server = Server(data_dir).start()
    acknowledged = []

    def writer():
        clients = {}
        i = 0
        while True:
            region = region_of(i)
            ct = clients.setdefault(region, server.client("cloudtrail", region=region))
            try:
                ct.create_trail(Name=f"trail-{i:05d}", S3BucketName="crash-bucket")
            except Exception:
                return  # the server was killed
            acknowledged.append(i)
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    while len(acknowledged) < 60 and t.is_alive():
        threading.Event().wait(0.02)
    server.kill()
    t.join()
    assert len(acknowledged) >= 60
    server.start()
    try:
        found = set()
        for region in sorted({region_of(i) for i in acknowledged}):
            ct = server.client("cloudtrail", region=region)
            found.update(
                t["Name"] for t in ct.describe_trails(includeShadowTrails=False)["trailList"]
            )
        missing = [i for i in acknowledged if f"trail-{i:05d}" not in found]
        assert missing == []
    finally:
        server.stop()
