#!/usr/bin/env python3
"""Writes small but valid PNG, JPEG, GIF and PDF fixtures into the directory given."""
import os
import struct
import sys
import zlib

out = sys.argv[1]


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def lcg_bytes(n, seed):
    """Deterministic noise (so the PNG's IDAT is high-entropy deflate)."""
    x = seed
    b = bytearray()
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        b.append(x >> 56)
    return bytes(b)


def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


# PNG: 24x24 RGB noise.
w = h = 24
pixels = lcg_bytes(w * h * 3, 1)
raw = b"".join(b"\x00" + pixels[y * w * 3:(y + 1) * w * 3] for y in range(h))
png = (b"\x89PNG\r\n\x1a\n"
       + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
       + png_chunk(b"IDAT", zlib.compress(raw, 9))
       + png_chunk(b"IEND", b""))
write("image.png", png)

# JPEG: baseline 8x8 mid-grey (all coefficients zero), one-symbol Huffman tables.
def seg(marker, body):
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body

jpeg = (b"\xff\xd8"
        + seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + seg(0xDB, b"\x00" + b"\x01" * 64)
        + seg(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
        + seg(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
        + seg(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00")
        + seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"
        + b"\xff\xd9")
write("image.jpg", jpeg)

# GIF: the classic 1x1 GIF89a.
write("image.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
      b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

# PDF: one page whose content stream is deflated (binary after the header).
content = b"".join(b"BT /F1 10 Tf 20 %d Td (Line %d of the fixture report) Tj ET\n"
                   % (800 - 12 * i, i) for i in range(60))
stream = zlib.compress(content, 9)
objs = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
    b"/Resources << /Font << /F1 5 0 R >> >> >>",
    b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]
pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
offsets = []
for i, body in enumerate(objs, 1):
    offsets.append(len(pdf))
    pdf += b"%d 0 obj\n" % i + body + b"\nendobj\n"
xref = len(pdf)
pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for off in offsets:
    pdf += b"%010d 00000 n \n" % off
pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
write("document.pdf", bytes(pdf))
