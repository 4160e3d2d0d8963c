"""Seeded mutators: what a careless copy, a full disk or a hostile user does to a file.

Every mutator is ``(data, rng) -> bytes`` and deterministic for a given ``random.Random``; a
campaign is reproduced exactly from its seed. Byte mutators apply to every file, text mutators to
text exports, zip mutators to ``.ndax``/``.xlsx`` archives (zip containers).
"""

from __future__ import annotations

import functools
import io
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable

Mutator = Callable[[bytes, random.Random], bytes]

HUGE_WORDS = (b"\xff\xff", b"\xff\xff\xff\xff", b"\xff\xff\xff\x7f", b"\x00\x00\x00\x80", b"\xff" * 8)


# -------------------------------------------------------------------------------------- bytes


def truncate(data: bytes, rng: random.Random) -> bytes:
    """Cut the file: anywhere, near its end (a copy of a file still being written), or at its start."""
    n = len(data)
    if n < 2:
        return b""
    where = rng.choice(("any", "end", "start"))
    cut = {"any": rng.randrange(1, n), "end": n - rng.randrange(1, min(n - 1, 300) + 1),
           "start": rng.randrange(0, min(n, 600))}[where]
    return data[:cut]


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        if b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def zero_block(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    length = rng.choice((16, 256, 4096, 65536))
    return data[:start] + bytes(min(length, len(data) - start)) + data[start + length:]


def huge_field(data: bytes, rng: random.Random) -> bytes:
    """Overwrite an aligned 2/4/8-byte field with a huge value (a length or count field, often)."""
    word = rng.choice(HUGE_WORDS)
    if len(data) <= len(word):
        return data
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(0, len(b) - len(word)) & ~1
        b[pos:pos + len(word)] = word
    return bytes(b)


def append_garbage(data: bytes, rng: random.Random) -> bytes:
    return data + bytes(rng.randrange(256) for _ in range(rng.choice((1, 7, 100, 4096))))


def duplicate_block(data: bytes, rng: random.Random) -> bytes:
    if len(data) < 2:
        return data * 2
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.choice((8, 64, 1024, 16384)))
    return data[:b] + data[a:b] + data[b:]


def delete_block(data: bytes, rng: random.Random) -> bytes:
    if len(data) < 2:
        return b""
    a = rng.randrange(len(data))
    return data[:a] + data[a + rng.choice((1, 16, 512, 8192)):]


BYTE_MUTATORS: tuple[Mutator, ...] = (truncate, flip_bits, zero_block, huge_field, append_garbage,
                                      duplicate_block, delete_block)

# -------------------------------------------------------------------------------------- text

_NUM = re.compile(rb"[-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?")
HOSTILE_NUMBERS = (b"nan", b"NaN", b"inf", b"-inf", b"1e400", b"-1e400", b"1e-400", b"9" * 400, b"", b"0x1F",
                   b"1,5", b"--1", b"1e", b"0", b"-0", b"1.7976931348623157e308", b"4.9e-324")
HOSTILE_TEXT = (b"\x1b]0;pwned\x07", b"\x1b[2J", b"\r", b"\x00", "\u202e".encode(), b"\xff\xfe", b"<script>x</script>",
                b"\n\n\n", b'"', b"\t\t\t")


def cut_last_number(data: bytes, rng: random.Random) -> bytes:
    """A text export cut inside its last number (issue 20: ``-3.7`` for ``-3.7e-03``)."""
    body = data.rstrip(b"\r\n")
    return body[: max(0, len(body) - rng.randint(1, 6))]


def hostile_number(data: bytes, rng: random.Random) -> bytes:
    nums = list(_NUM.finditer(data))
    if not nums:
        return data
    m = rng.choice(nums[-200:] if rng.random() < 0.5 else nums)
    return data[: m.start()] + rng.choice(HOSTILE_NUMBERS) + data[m.end():]


def hostile_text(data: bytes, rng: random.Random) -> bytes:
    pos = rng.randrange(len(data) + 1)
    return data[:pos] + rng.choice(HOSTILE_TEXT) + data[pos:]


def long_line(data: bytes, rng: random.Random) -> bytes:
    pos = data.find(b"\n", rng.randrange(len(data) + 1))
    pos = len(data) if pos < 0 else pos
    return data[:pos] + b"," * rng.choice((1000, 200_000)) + data[pos:]


def shuffle_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    k = rng.randrange(len(lines))
    j = rng.randrange(len(lines))
    lines[k], lines[j] = lines[j], lines[k]
    return b"\n".join(lines)


TEXT_MUTATORS: tuple[Mutator, ...] = (cut_last_number, hostile_number, hostile_text, long_line, shuffle_lines)

# -------------------------------------------------------------------------------------- zip


_MEMBER_CAP = 64 << 20


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    """The members of a zip (refused above 64 MiB each: the fuzzer must not unpack its own bombs)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        if any(i.file_size > _MEMBER_CAP for i in zf.infolist()):
            raise ValueError("member too large to mutate")
        return [(i, zf.read(i)) for i in zf.infolist()]


def _rezip(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, payload in members:
            zf.writestr(info.filename, payload)
    return buf.getvalue()


def zip_member_bytes(data: bytes, rng: random.Random) -> bytes:
    """Damage one member's content and re-zip (the archive stays valid; the member is hostile)."""
    members = _members(data)
    k = rng.randrange(len(members))
    info, payload = members[k]
    members[k] = (info, rng.choice(BYTE_MUTATORS)(payload, rng))
    return _rezip(members)


def zip_bad_name(data: bytes, rng: random.Random) -> bytes:
    """A member name that is not UTF-8 although flagged so (issue 20: UnicodeDecodeError)."""
    members = _members(data)
    victim = rng.choice(members)[0].filename.encode()
    bad = bytes([0xFF]) + victim[1:]
    buf = bytearray(_rezip(members).replace(victim, bad))
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = buf.find(sig)
        while pos != -1:
            struct.pack_into("<H", buf, pos + flag_at, struct.unpack_from("<H", buf, pos + flag_at)[0] | 0x800)
            pos = buf.find(sig, pos + 4)
    return bytes(buf)


def zip_huge_declared_size(data: bytes, rng: random.Random) -> bytes:
    """A central-directory entry that declares a (nearly) 4 GiB member."""
    buf = bytearray(_rezip(_members(data)))
    entries = [m.start() for m in re.finditer(rb"PK\x01\x02", bytes(buf))]
    pos = rng.choice(entries)
    struct.pack_into("<I", buf, pos + 24, 0xFFFFFFF0)  # uncompressed size
    return bytes(buf)


@functools.lru_cache(maxsize=1)
def _bomb_parts() -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, size) of 3 GiB of zeros: one compressed 64 MiB block repeated
    (a full flush makes the blocks independent), closed by an empty final block."""
    chunk, n = 64 << 20, 48
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(bytes(chunk)) + comp.flush(zlib.Z_FULL_FLUSH)
    body = block * n + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc, zeros = 0, bytes(chunk)
    for _ in range(n):
        crc = zlib.crc32(zeros, crc)
    return body, crc, chunk * n


def zip_bomb(data: bytes, rng: random.Random) -> bytes:
    """Replace the largest member by one that really unpacks to 3 GiB of zeros (issue 20: read
    whole, 3.2 GB resident). Built from one compressed 64 MiB block repeated, so it costs ~3 MB."""
    members = _members(data)
    victim = max(members, key=lambda m: m[0].file_size)[0].filename
    body, crc, size = _bomb_parts()
    out = io.BytesIO()
    entries = []
    for info, payload in members:
        name = info.filename.encode()
        offset = out.tell()
        if info.filename == victim:
            extra = struct.pack("<HHQQ", 1, 16, size, len(body))
            out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, 8, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                                  len(name), len(extra)) + name + extra + body)
            entries.append((name, 8, crc, 0xFFFFFFFF, 0xFFFFFFFF, extra, offset))
        else:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            comp = c.compress(payload) + c.flush()
            pcrc = zlib.crc32(payload)
            out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, pcrc, len(comp), len(payload),
                                  len(name), 0) + name + comp)
            entries.append((name, 8, pcrc, len(comp), len(payload), b"", offset))
    cd_start = out.tell()
    for name, method, c, csize, usize, extra, offset in entries:
        out.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, method, 0, 0, c, csize, usize,
                              len(name), len(extra), 0, 0, 0, 0, offset) + name + extra)
    cd_len = out.tell() - cd_start
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), cd_len, cd_start, 0))
    return out.getvalue()


ZIP_MUTATORS: tuple[Mutator, ...] = (zip_member_bytes, zip_bad_name, zip_huge_declared_size, zip_bomb)

TEXT_SUFFIXES = {".csv", ".mpt", ".dta", ".txt", ".001", ".msp", ".toml"}
ZIP_SUFFIXES = {".ndax", ".xlsx"}


def mutators_for(suffix: str) -> tuple[Mutator, ...]:
    s = suffix.lower()
    if s in ZIP_SUFFIXES:
        return ZIP_MUTATORS + BYTE_MUTATORS
    if s in TEXT_SUFFIXES:
        return TEXT_MUTATORS + BYTE_MUTATORS
    return BYTE_MUTATORS


def mutate(data: bytes, suffix: str, rng: random.Random) -> tuple[str, bytes]:
    """One mutant: (the mutators applied, joined by '+', the bytes). Mostly one mutation, sometimes two."""
    pool = mutators_for(suffix)
    names: list[str] = []
    for _ in range(1 if rng.random() < 0.75 else 2):
        if names and names[-1] == "zip_bomb":
            break  # a bomb is the last word: nothing after it unpacks it again
        m = rng.choice(pool)
        try:
            data = m(data, rng)
        except (zipfile.BadZipFile, ValueError, IndexError, EOFError, OSError, zlib.error):
            m = truncate  # a zip mutator after a byte mutator broke the archive: cut it instead
            data = m(data, rng)
        names.append(m.__name__)
    return "+".join(names), data
