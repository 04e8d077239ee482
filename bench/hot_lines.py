#!/usr/bin/env python3
"""Hot code lines of one shared object in a callgrind file made with --dump-instr=yes.

    hot_lines.py FILE.cg OBJECT ROWS

Prints how many distinct 64-byte lines of the object's code ran at least ROWS
instructions in all (about once a row or more, for a statement over ROWS rows): the
code a row's work keeps in the first-level instruction cache. Unlike the cache model's
miss count, it does not move with where the linker put the functions.
(bench/validate_instructions.sh)
"""
import re
import sys


def main():
    path, obj_part, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
    objs = {}
    obj = None
    addr = 0
    after_calls = False
    lines = {}
    with open(path) as f:
        for line in f:
            head = line[:1]
            if line.startswith(('ob=', 'cob=')):
                m = re.match(r'c?ob=\((\d+)\)(?: (.*))?', line.strip())
                if m.group(2):
                    objs[m.group(1)] = m.group(2)
                if line.startswith('ob='):
                    obj = objs[m.group(1)]
                continue
            if line.startswith('calls='):
                after_calls = True  # the next cost line is the call's, not this code's
                continue
            if head not in '0+-*':
                continue
            fields = line.split()
            a = fields[0]
            if a.startswith('0x'):
                addr = int(a, 16)
            elif a[0] == '+':
                addr += int(a[1:])
            elif a[0] == '-':
                addr -= int(a[1:])
            if after_calls:
                after_calls = False
                continue
            if obj and obj_part in obj and len(fields) >= 3:
                key = addr >> 6
                lines[key] = lines.get(key, 0) + int(fields[2])
    print(sum(1 for v in lines.values() if v >= rows))


if __name__ == '__main__':
    main()
