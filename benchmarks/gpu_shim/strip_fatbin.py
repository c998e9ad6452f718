"""Keep only the sm_90 cubin in every fatbin container of a shared library.

Each container (magic 0xBA55ED50) holds one entry per architecture (SASS cubins, PTX).
The wanted cubin is moved to the front of its container, the container's size field
is set to that one entry, and the bytes after it are zeroed: the container then reads
as a single-architecture build (what nvcc -gencode arch=compute_90,code=sm_90 emits),
at the same offset, so the registration wrappers still point at it. The zeros compress
to nothing, so the wheel shrinks. Refuses to touch a container without the cubin.
"""
import collections
import struct
import subprocess
import sys


def fatbin_range(path):
    out = subprocess.check_output(["readelf", "-S", "--wide", path], text=True)
    for line in out.splitlines():
        if "] .nv_fatbin " in line:
            parts = line.split("]")[1].split()
            return int(parts[3], 16), int(parts[4], 16)
    raise SystemExit(f"no .nv_fatbin in {path}")

def main(path, keep_arch=90):
    off, size = fatbin_range(path)
    with open(path, "rb") as fh:
        buf = bytearray(fh.read())
    data = memoryview(buf)[off:off + size]
    pos, kept, zeroed = 0, collections.Counter(), collections.Counter()
    while pos + 16 <= len(data):
        magic, ver, hsz, fsz = struct.unpack_from("<IHHQ", data, pos)
        if magic != 0xBA55ED50:
            pos += 8
            continue
        p, end = pos + hsz, pos + hsz + fsz
        keep = None
        while p < end:
            kind, _, ehsz, psz = struct.unpack_from("<HHIQ", data, p)
            arch = struct.unpack_from("<I", data, p + 28)[0]
            key = ({1: "ptx", 2: "sass"}.get(kind, str(kind)), arch)
            if key == ("sass", keep_arch) and keep is None:
                keep, kept[key] = bytes(data[p:p + ehsz + psz]), kept[key] + 1
            else:
                zeroed[key] += 1
            p += ehsz + psz
        if keep is None:
            raise SystemExit(f"container at {off + pos:#x} has no sm_{keep_arch} cubin")
        start = pos + hsz
        data[start:end] = keep + bytes(end - start - len(keep))
        struct.pack_into("<Q", data, pos + 8, len(keep))
        pos = end
    if not kept:
        raise SystemExit(f"no sm_{keep_arch} cubin found: refusing to strip")
    with open(path, "wb") as fh:
        fh.write(buf)
    print("kept", dict(kept), "zeroed", dict(zeroed))

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 90)
