#!/usr/bin/env python3
"""Writes DNS answers (PTR, A, AAAA, MX, TXT, TLSA, NXDOMAIN, with name compression) into a
folder: the fuzzer's seeds for the answer readers of `mailtally enrich` and `mailtally check`.
Usage: dns_seeds.py FOLDER"""
import os
import struct
import sys


def name(text):
    return b"".join(bytes([len(label)]) + label.encode() for label in text.split(".") if label) + b"\x00"


def message(question, qtype, answers, rcode=0):
    header = struct.pack(">HHHHHH", 0x1234, 0x8180 | rcode, 1, len(answers), 0, 0)
    body = name(question) + struct.pack(">HH", qtype, 1)
    for rtype, ttl, rdata in answers:
        body += b"\xc0\x0c" + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata
    return header + body


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    seeds = {
        "ptr.bin": message("1.2.0.192.in-addr.arpa", 12, [(12, 3600, name("mail-sor-f41.google.com")), (12, 60, name("second.example.net"))]),
        "a.bin": message("mail.example.net", 1, [(1, 300, bytes([192, 0, 2, 1])), (1, 300, bytes([192, 0, 2, 2]))]),
        "aaaa.bin": message("mail.example.net", 28, [(28, 300, bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [0x25]))]),
        "cname.bin": message("mail.example.net", 1, [(5, 300, name("real.example.net")), (1, 300, bytes([192, 0, 2, 1]))]),
        "nxdomain.bin": message("9.2.0.192.in-addr.arpa", 12, [], rcode=3),
        "mx.bin": message("example.net", 15, [(15, 300, struct.pack(">H", 10) + b"\x03mx1\xc0\x0c"), (15, 300, struct.pack(">H", 0) + b"\x00")]),
        "txt.bin": message("_dmarc.example.net", 16, [(16, 300, b"\x1fv=DMARC1; p=reject; rua=mailto:" + b"\x0ed@example.net")]),
        "tlsa.bin": message("_25._tcp.mx1.example.net", 52, [(52, 300, bytes([3, 1, 1]) + bytes(range(32)))]),
    }
    for file, data in seeds.items():
        with open(os.path.join(folder, file), "wb") as out:
            out.write(data)


if __name__ == "__main__":
    main()
