#!/usr/bin/env python3
"""test/fuzz/gen_expressions.py: random and mutated DynamoDB expressions.

Writes COUNT lines of CSV (kind,expression) to stdout, for
fuzz_expressions.sh to feed through ddb.parse_expression. kind is one of
condition, filter, key_condition, update, projection. The same SEED gives
the same inputs.

    gen_expressions.py COUNT [SEED]

The mix (see Generator.one):
  - expressions built from the grammar, with random spacing, keyword case
    and parentheses, mostly valid, sometimes given to the wrong kind;
  - those mutated: tokens or characters inserted, deleted, duplicated,
    swapped or replaced, the text truncated;
  - token soup: random tokens of the grammar and junk characters;
  - deep nesting: runs of "(", NOT, function calls, path elements, long AND
    chains and IN lists, around DynamoDB's limits (300 operators, 100 IN
    operands, 32 path levels, 4096 bytes) and far beyond;
  - long inputs around and over 4096 bytes;
  - unicode, control characters, quotes; never NUL (text cannot hold it).
"""

import csv
import random
import sys

KINDS = ["condition", "filter", "key_condition", "update", "projection"]
CONDITION_KINDS = ["condition", "filter", "key_condition"]

NAMES = ["a", "b", "c", "x1", "pk", "sk", "Price", "long_name_1", "z9_",
         "size", "SIZE", "name", "data", "year", "id", "status", "Comment",
         "abort", "zone", "remove_me", "andy", "order_date", "in1", "notx"]
NAME_REFS = ["#n", "#name", "#1", "#_", "#a_b", "#" + "n" * 255, "#" + "x" * 300]
VALUE_REFS = [":v", ":val_1", ":0", ":_", ":one", ":" + "v" * 255, ":" + "w" * 300]
KEYWORDS = ["AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"]
COMPARATORS = ["=", "<>", "<", "<=", ">", ">="]
COND_FUNCS = ["attribute_exists", "attribute_not_exists", "attribute_type",
              "begins_with", "contains"]
ALL_FUNCS = COND_FUNCS + ["size", "if_not_exists", "list_append", "foo",
                          "Size", "ATTRIBUTE_EXISTS", "f"]
INDEXES = ["0", "1", "10", "01", "007", "2147483647", "2147483648",
           "99999999999999999999", "-1", "0.5", "1e3"]
PUNCT = ["(", ")", "[", "]", ",", ".", "=", "<>", "<", "<=", ">", ">=", "+",
         "-", "(", ")", "((", "))"]
JUNK = ['"', "'", "#", ":", "_", "!", "*", "/", ";", "?", "@", "$", "%", "&",
        "|", "~", "`", "^", "{", "}", "\\", "==", "!=", "&&", "||",
        "\u2603", "\u00e9", "\U0001d11e", "\u200b", "\u202e", "\ufeff",
        "\u00a0", "\u3000", "\x01", "\x07", "\x1b", "\x7f", "\t", "\n", "\r",
        '"quoted"', "'single'", '"unterminated', "\u0430", "\uffff"]
SPACES = ["", " ", " ", " ", "  ", "\t", "\n", "\r\n", " \t "]


class Generator:
    """Builds one random input at a time."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    # ---- small pieces -------------------------------------------------

    def sp(self):
        """Space between words (never none: "aAND" would be one word)."""
        return self.r.choice(SPACES[1:]) if self.r.random() < 0.3 else " "

    def kw(self, word):
        """A keyword in random case."""
        roll = self.r.random()
        if roll < 0.6:
            return word
        if roll < 0.8:
            return word.lower()
        return "".join(ch.upper() if self.r.random() < 0.5 else ch.lower() for ch in word)

    def name(self):
        roll = self.r.random()
        if roll < 0.6:
            return self.r.choice(NAMES[:9])
        if roll < 0.9:
            return self.r.choice(NAME_REFS[:5])
        if roll < 0.98:
            return self.r.choice(NAMES)
        return self.r.choice(NAME_REFS)

    def value(self):
        if self.r.random() < 0.95:
            return self.r.choice(VALUE_REFS[:5])
        return self.r.choice(VALUE_REFS)

    def path(self, max_elems=4):
        out = self.name()
        for _ in range(self.r.randint(0, max_elems)):
            if self.r.random() < 0.6:
                out += self.sp_tight() + "." + self.sp_tight() + self.name()
            else:
                idx = self.r.choice(INDEXES[:3]) if self.r.random() < 0.97 else self.r.choice(INDEXES)
                out += self.sp_tight() + "[" + idx + "]"
        return out

    def sp_tight(self):
        return " " if self.r.random() < 0.05 else ""

    def paren(self, text, p=0.1):
        if self.r.random() < p:
            return "(" + self.sp_tight() + text + self.sp_tight() + ")"
        return text

    # ---- conditions ---------------------------------------------------

    def operand(self, depth):
        roll = self.r.random()
        if roll < 0.5:
            out = self.path()
        elif roll < 0.85:
            out = self.value()
        elif roll < 0.97 or depth <= 0:
            out = "size(" + self.path() + ")"
        else:
            f = self.r.choice(ALL_FUNCS)
            out = f + "(" + ", ".join(self.operand(depth - 1) for _ in range(self.r.randint(1, 3))) + ")"
        return self.paren(out, 0.05)

    def primary(self, depth):
        roll = self.r.random()
        if depth <= 0 or roll < 0.45:
            return self.operand(depth) + self.sp() + self.r.choice(COMPARATORS) + self.sp() + self.operand(depth)
        if roll < 0.55:
            return (self.operand(depth) + self.sp() + self.kw("BETWEEN") + self.sp() + self.operand(depth)
                    + self.sp() + self.kw("AND") + self.sp() + self.operand(depth))
        if roll < 0.62:
            items = ", ".join(self.operand(depth) for _ in range(self.r.randint(1, 5)))
            return self.operand(depth) + self.sp() + self.kw("IN") + self.sp() + "(" + items + ")"
        if roll < 0.8:
            f = self.r.choice(COND_FUNCS)
            n = 1 if f.startswith("attribute_") and f != "attribute_type" else 2
            if self.r.random() < 0.05:
                n = self.r.randint(0, 3)
            args = ", ".join(self.operand(depth - 1) if i else self.path() for i in range(n))
            return f + "(" + args + ")"
        if roll < 0.9:
            return "(" + self.condition(depth - 1) + ")"
        return self.kw("NOT") + self.sp() + self.primary(depth - 1)

    def condition(self, depth=3):
        parts = [self.primary(depth)]
        for _ in range(self.r.randint(0, 3) if depth > 0 else 0):
            parts.append(self.kw(self.r.choice(["AND", "OR"])))
            parts.append(self.primary(depth - 1))
        return self.sp().join(parts)

    # ---- updates and projections --------------------------------------

    def update_operand(self, depth):
        roll = self.r.random()
        if roll < 0.45 or depth <= 0:
            return self.paren(self.path(), 0.05)
        if roll < 0.8:
            return self.paren(self.value(), 0.05)
        if roll < 0.9:
            return "if_not_exists(" + self.path() + ", " + self.update_operand(depth - 1) + ")"
        return "list_append(" + self.update_operand(depth - 1) + ", " + self.update_operand(depth - 1) + ")"

    def set_value(self):
        left = self.update_operand(2)
        if self.r.random() < 0.3:
            return self.paren(left + self.sp() + self.r.choice(["+", "-"]) + self.sp() + self.update_operand(2), 0.1)
        return left

    def update(self):
        sections = self.r.sample(["SET", "REMOVE", "ADD", "DELETE"], self.r.randint(1, 4))
        if self.r.random() < 0.05:
            sections.append(self.r.choice(sections))
        out = []
        for s in sections:
            n = self.r.randint(1, 4)
            if s == "SET":
                acts = [self.path() + self.sp() + "=" + self.sp() + self.set_value() for _ in range(n)]
            elif s == "REMOVE":
                acts = [self.path() for _ in range(n)]
            else:
                acts = [self.path() + self.sp() + self.value() for _ in range(n)]
            out.append(self.kw(s) + self.sp() + ("," + self.sp()).join(acts))
        return self.sp().join(out)

    def projection(self):
        return ("," + self.sp()).join(self.path(6) for _ in range(self.r.randint(1, 6)))

    def valid(self):
        """(kind, text) from the grammar; usually the right kind."""
        roll = self.r.random()
        if roll < 0.5:
            kind, text = self.r.choice(CONDITION_KINDS), self.condition()
        elif roll < 0.8:
            kind, text = "update", self.update()
        else:
            kind, text = "projection", self.projection()
        if self.r.random() < 0.05:
            kind = self.r.choice(KINDS)
        return kind, text

    # ---- mutations ----------------------------------------------------

    def token(self):
        roll = self.r.random()
        if roll < 0.2:
            return self.name()
        if roll < 0.3:
            return self.value()
        if roll < 0.45:
            return self.kw(self.r.choice(KEYWORDS))
        if roll < 0.7:
            return self.r.choice(PUNCT + COMPARATORS)
        if roll < 0.8:
            return self.r.choice(ALL_FUNCS) + "("
        if roll < 0.88:
            return self.r.choice(INDEXES)
        return self.r.choice(JUNK)

    def mutate(self, text):
        for _ in range(self.r.randint(1, 4)):
            roll = self.r.random()
            pos = self.r.randint(0, len(text))
            if roll < 0.2:
                text = text[:pos] + self.sp() + self.token() + self.sp() + text[pos:]
            elif roll < 0.35 and text:
                end = min(len(text), pos + self.r.randint(1, 6))
                text = text[:pos] + text[end:]
            elif roll < 0.45 and text:
                end = min(len(text), pos + self.r.randint(1, 12))
                text = text[:end] + text[pos:end] + text[end:]
            elif roll < 0.55 and len(text) > 2:
                a, b = sorted(self.r.sample(range(len(text)), 2))
                text = text[:a] + text[b] + text[a + 1:b] + text[a] + text[b + 1:]
            elif roll < 0.7 and text:
                i = self.r.randrange(len(text))
                text = text[:i] + self.r.choice(JUNK + PUNCT + ["a", "1", "_", " "]) + text[i + 1:]
            elif roll < 0.8:
                text = text[:pos]
            else:
                words = text.split(" ")
                if len(words) > 1:
                    i, j = self.r.randrange(len(words)), self.r.randrange(len(words))
                    words[i], words[j] = words[j], words[i]
                    text = " ".join(words)
        return text

    def soup(self):
        return "".join(self.token() + self.r.choice(SPACES) for _ in range(self.r.randint(1, 30)))

    # ---- limits and depth --------------------------------------------

    def deep(self):
        n = self.r.choice([1, 2, 10, 31, 32, 33, 99, 100, 101, 149, 150, 151, 299, 300,
                           301, 500, 999, 1000, 1001, 1355, 2046, 2047, 4000, 5000])
        kind = self.r.choice(KINDS)
        shapes = [
            lambda: "(" * n + "a<b" + ")" * n,
            lambda: "(" * n,
            lambda: ")" * n,
            lambda: "(" * n + "a" + ")" * n + " = :v",
            lambda: "NOT " * n + "a<b",
            lambda: "(NOT " * n + "a<b" + ")" * n,
            lambda: "a<b" + " OR (a<b" * n + ")" * n,
            lambda: "a = :v" + " AND a = :v" * n,
            lambda: "a < " + "f(" * n + "b" + ")" * n,
            lambda: "a < " + "size(" * n + "b" + ")" * n,
            lambda: "attribute_exists(" * n + "a" + ")" * n,
            lambda: "a" + ".b" * n + " = :v",
            lambda: "a" + "[0]" * n,
            lambda: "a IN (" + ",".join(":v%d" % i for i in range(n)) + ")",
            lambda: "SET a = " + "list_append(" * n + "a" + ", :v)" * n,
            lambda: "SET a = " + "if_not_exists(a, " * n + ":v" + ")" * n,
            lambda: "SET a = " + "(" * n + "b" + ")" * n,
            lambda: "SET a = " + "(" * n + "b + c" + ")" * n,
            lambda: "SET " + ", ".join("a%d = b + c" % i for i in range(n)),
            lambda: "REMOVE " + ", ".join("a%d" % i for i in range(n)),
            lambda: ", ".join("a%d" % i for i in range(n)),
            lambda: "((" * n + "a = :v" + "))" * n,
            lambda: "size(" * n,
            lambda: "a" * n,
            lambda: "#" * n,
            lambda: ":" + "v" * n + " = a",
            lambda: "a[" + "9" * n + "]",
        ]
        text = self.r.choice(shapes)()
        if self.r.random() < 0.2:
            text = self.mutate(text)
        return kind, text

    def long(self):
        """Inputs of about 4096 bytes."""
        kind, text = self.valid()
        target = self.r.choice([4090, 4095, 4096, 4097, 4100, 6000])
        pad = self.r.choice([" ", "\t", "a", "\u00e9", "\u2603"])
        while len(text.encode()) < target - 8:
            text += pad * max(1, (target - len(text.encode())) // len(pad.encode()) // 2)
        return kind, text

    def one(self):
        roll = self.r.random()
        if roll < 0.35:
            return self.valid()
        if roll < 0.7:
            kind, text = self.valid()
            return kind, self.mutate(text)
        if roll < 0.85:
            return self.r.choice(KINDS), self.soup()
        if roll < 0.95:
            return self.deep()
        if roll < 0.98:
            return self.long()
        return self.r.choice(KINDS), self.r.choice(["", " ", "\t\n", "\r", "a", "(", ")", ":", "#", ","])


def main():
    count = int(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    gen = Generator(seed)
    out = csv.writer(sys.stdout, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for _ in range(count):
        kind, text = gen.one()
        out.writerow([kind, text.replace("\x00", "")])


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8")
    main()
