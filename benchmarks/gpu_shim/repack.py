"""Zip an unpacked wheel directory back into a wheel, rewriting RECORD hashes."""
import base64
import hashlib
import os
import sys
import zipfile

src, out = sys.argv[1], sys.argv[2]
files = sorted(os.path.relpath(os.path.join(d, f), src) for d, _, fs in os.walk(src) for f in fs)
record = next(f for f in files if f.endswith(".dist-info/RECORD"))
rows = []
for f in files:
    if f == record:
        continue
    with open(os.path.join(src, f), "rb") as fh:
        b = fh.read()
    h = base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
    rows.append(f"{f},sha256={h},{len(b)}")
rows.append(f"{record},,")
with open(os.path.join(src, record), "w") as fh:
    fh.write("\n".join(rows) + "\n")
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for f in files:
        z.write(os.path.join(src, f), f)
print(out, os.path.getsize(out))
