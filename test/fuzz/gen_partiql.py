#!/usr/bin/env python3
"""test/fuzz/gen_partiql.py: random and mutated PartiQL requests.

Writes COUNT lines of CSV (n,operation,request,forge) to stdout, for
fuzz_partiql.sh to send through ddb.call_text(operation, request).
operation is ExecuteStatement, BatchExecuteStatement or
ExecuteTransaction; request is the JSON text of the request (sometimes
malformed). Statements name the tables PREFIX_h, PREFIX_r and PREFIX_b
that fuzz_partiql.sh creates (see TABLES). The same SEED gives the same
inputs.

A SELECT whose forge is not empty is run twice: once as written (with a
Limit), and, when that page has a NextToken, again from a NextToken made
of the first one's statement hash and the forge: "keep" for the token
itself, else the hex of the bytes that follow '{"h": ..., ' (partition
number, start key; sometimes not JSON or not UTF-8).

    gen_partiql.py COUNT [SEED [PREFIX]]

The mix (see Generator.request):
  - statements built from the grammar (SELECT, INSERT, UPDATE, DELETE,
    EXISTS) with random spacing, keyword case and parentheses, mostly on
    the tables' keys so that they reach Query, GetItem-like reads and
    writes, with literals of every type and ? parameters;
  - those mutated: tokens or characters inserted, deleted, duplicated,
    swapped or replaced, the text truncated;
  - token soup: random tokens of the grammar mixed with junk;
  - deep nesting and limits: parentheses, NOT, list, map and set literals,
    paths, AND chains, IN lists, function calls and + chains, at, around
    and far beyond the parser's bounds and DynamoDB's limits;
  - long literals (strings near 8192 characters, numbers of 39 and more
    digits, huge and tiny exponents), unterminated strings, quoted names
    and comments, odd unicode (non-BMP, zero-width, right-to-left, lone
    surrogates as JSON escapes) and U+0000 as \\u0000 in statements,
    strings and parameters;
  - Parameters: right and wrong counts, up to thousands of ?, values of
    the wrong types, malformed AttributeValues, deep L and M values;
  - request members: Limit, NextToken (random tokens, and tokens forged
    from real ones: other partitions and start keys),
    ConsistentRead, ReturnConsumedCapacity,
    ReturnValuesOnConditionCheckFailure and ClientRequestToken with valid
    and invalid values, unknown members, 0 to 30 batch statements and 0 to
    105 transaction statements, and JSON text cut short.
"""

import base64
import csv
import json
import random
import sys

OPERATIONS = ["ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"]

# The tables fuzz_partiql.sh creates for a PREFIX:
#   PREFIX_h  pk (S), global secondary index byG on g (S)
#   PREFIX_r  pk (S) + sk (N), local secondary index byL on l (N)
#   PREFIX_b  pk (B)
TABLES = {
    "h": {"keys": ["pk"], "types": ["S"], "indexes": {"byG": ["g"]}},
    "r": {"keys": ["pk", "sk"], "types": ["S", "N"], "indexes": {"byL": ["pk", "l"]}},
    "b": {"keys": ["pk"], "types": ["B"], "indexes": {}},
}

ATTRS = ["a", "b", "n", "s", "m", "lst", "ss", "ns", "g", "l", "pk", "sk",
         '"Year"', '"weird name"', '"\u00fcn\u00efc\u00f6de"', '"a.b"', '"say ""hi"""',
         "x_1", "_u", "a$b"]
KEYWORDS = ["SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "BETWEEN", "IN", "IS",
            "MISSING", "NULL", "TRUE", "FALSE", "INSERT", "INTO", "VALUE", "VALUES",
            "UPDATE", "SET", "REMOVE", "DELETE", "RETURNING", "ALL", "MODIFIED",
            "OLD", "NEW", "ORDER", "BY", "ASC", "DESC", "EXISTS"]
FUNCTIONS = ["begins_with", "contains", "attribute_type", "size", "list_append",
             "set_add", "set_delete", "exists", "upper", "BEGINS_WITH", "Size", "f"]
COMPARATORS = ["=", "<>", "!=", "<", "<=", ">", ">="]
PUNCT = ["(", ")", "[", "]", "{", "}", "<<", ">>", ",", ".", ":", ";", "*", "?",
         "+", "-", "=", "<", ">", "'", '"', "((", "))", "[[", "]]"]
JUNK = ["#", "!", "/", "@", "$", "%", "&", "|", "~", "`", "^", "\\", "==", "&&",
        "||", "/*", "*/", "--", "'unterminated", '"unterminated', "/* open",
        "\u2603", "\u00e9", "\U0001d11e", "\u200b", "\u202e", "\ufeff", "\u00a0",
        "\u3000", "\u0430", "\uffff", "\x01", "\x07", "\x1b", "\x7f", "\t", "\n",
        "\r", "\x00", "\U0010ffff"]
NUMBERS = ["0", "1", "-1", "42", "3.14", "-2.5", "1e3", "1.5E+3", "2e-3", ".5",
           "5.", "-0", "0.000", "1e125", "9.9999999999999999999999999999999999999E+125",
           "1e-130", "12345678901234567890123456789012345678", "1" + "0" * 60, "00012"]
BAD_NUMBERS = ["1e126", "1e-131", "123456789012345678901234567890123456789",
               "1e99999999999", "1e-99999999999", "1e", "1e+", "--1", "1..2", "0x10",
               "1_000", "12abc"]
STRINGS = ["", "a", "x", "c1", "it''s", "\u00e9t\u00e9", "\U0001f600", "a\x00b",
           "\x00", "\x01", "\u200b", "\u202eabc", "%", "_", "\\", "new\nline",
           "  spaced  ", "S", "N", "B", "SS", "M", "L", "NULL", "BOOL"]
SPACES = [" ", " ", " ", "  ", "\t", "\n", "\r\n", " \t "]
PARAM_TYPES = ["S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"]


class Generator:
    """Builds one random request at a time."""

    def __init__(self, seed, prefix):
        self.r = random.Random(seed)
        self.prefix = prefix
        self.nparams = 0          # ? in the statement being built
        self.typed = []           # the key types some of those ? stand for

    # ---- small pieces -------------------------------------------------

    def chance(self, p):
        return self.r.random() < p

    def sp(self):
        return self.r.choice(SPACES) if self.chance(0.2) else " "

    def kw(self, word):
        roll = self.r.random()
        if roll < 0.6:
            return word
        if roll < 0.8:
            return word.lower()
        return "".join(c.upper() if self.chance(0.5) else c.lower() for c in word)

    def table_key(self):
        return self.r.choice(list(TABLES))

    def table(self, key):
        """A name for table key ("h", "r", "b"), sometimes not one that exists."""
        name = self.prefix + "_" + key
        roll = self.r.random()
        if roll < 0.45:
            return '"' + name + '"'
        if roll < 0.9:
            return name
        if roll < 0.93:
            return '"' + self.prefix + '_nope"'
        if roll < 0.96 and TABLES[key]["indexes"]:
            return '"' + name + '"."' + self.r.choice(list(TABLES[key]["indexes"])) + '"'
        return self.r.choice(['"' + name + '"."nope"', '""', '"ab"', '"' + "t" * 300 + '"',
                              name + ".x.y", '"' + name + '"."byG"'])

    def name(self):
        return self.r.choice(ATTRS)

    def path(self, max_steps=3):
        out = self.name()
        for _ in range(self.r.randint(0, max_steps) if self.chance(0.3) else 0):
            roll = self.r.random()
            if roll < 0.5:
                out += "." + self.name()
            elif roll < 0.85:
                out += "[" + (self.r.choice(["0", "1", "2", "10"]) if self.chance(0.95) else
                              self.r.choice(["-1", "2147483647", "2147483648", "x", "1.5", "'a'"])) + "]"
            else:
                out += "['" + self.r.choice(STRINGS) + "']"
        return out

    def string(self):
        if self.chance(0.03):
            n = self.r.choice([100, 1000, 4000, 8100, 8200])
            return "'" + self.r.choice(["x", "\u00e9", "''", "\x00"]) * n + "'"
        return "'" + self.r.choice(STRINGS) + "'"

    def number(self):
        if self.chance(0.03):
            return self.r.choice(["1", "-", ""]) + "9" * self.r.choice([38, 39, 40, 126, 200])
        if self.chance(0.1):
            return self.r.choice(BAD_NUMBERS)
        return self.r.choice(NUMBERS)

    def param(self):
        self.nparams += 1
        return "?"

    def literal(self, depth=2):
        roll = self.r.random()
        if roll < 0.3:
            return self.string()
        if roll < 0.55:
            return self.number()
        if roll < 0.7:
            return self.param()
        if roll < 0.77:
            return self.kw(self.r.choice(["TRUE", "FALSE", "NULL", "MISSING"]))
        if depth <= 0:
            return self.string()
        if roll < 0.85:
            return "[" + ", ".join(self.literal(depth - 1) for _ in range(self.r.randint(0, 4))) + "]"
        if roll < 0.93:
            members = ", ".join("'" + self.r.choice(["k", "a", "b", "", "k"]) + "': " + self.literal(depth - 1)
                                for _ in range(self.r.randint(0, 4)))
            return "{" + members + "}"
        elems = self.r.choice([lambda: self.string(), lambda: self.number(), lambda: self.param()])
        return "<<" + ", ".join(elems() for _ in range(self.r.randint(0, 4))) + ">>"

    def key_value(self, type_):
        """A value for a key attribute, usually of its type."""
        if self.chance(0.4):
            return self.param_of(type_)
        if self.chance(0.1):
            return self.literal()
        if type_ == "S":
            return "'" + self.r.choice(["k0", "k1", "k2", "k3", "", "a\x00b"]) + "'"
        if type_ == "N":
            return self.r.choice(["0", "1", "2", "3", "-1", "1e3"])
        return self.param_of("B")

    def param_of(self, type_):
        """A ? whose parameter the request will give (of type_, usually)."""
        self.nparams += 1
        self.typed.append(type_)
        return "?"

    # ---- conditions ---------------------------------------------------

    def operand(self):
        roll = self.r.random()
        if roll < 0.45:
            return self.path()
        if roll < 0.9:
            return self.literal()
        return self.kw("size") + "(" + self.path() + ")"

    def predicate(self, depth):
        roll = self.r.random()
        if roll < 0.4:
            return self.operand() + self.sp() + self.r.choice(COMPARATORS) + self.sp() + self.operand()
        if roll < 0.48:
            return (self.operand() + " " + self.kw("BETWEEN") + " " + self.operand() + " "
                    + self.kw("AND") + " " + self.operand())
        if roll < 0.58:
            vals = ", ".join(self.literal(1) for _ in range(self.r.randint(0, 5)))
            o, c = ("[", "]") if self.chance(0.5) else ("(", ")")
            return self.operand() + " " + self.kw("NOT") * self.chance(0.1) + " " + self.kw("IN") + " " + o + vals + c
        if roll < 0.68:
            return (self.path() + " " + self.kw("IS") + " " + self.kw("NOT") * self.chance(0.3) + " "
                    + self.kw(self.r.choice(["MISSING", "NULL", "MISSING", "STRING", "5"])))
        if roll < 0.8:
            f = self.r.choice(["begins_with", "contains", "attribute_type", "exists", "upper",
                               "BEGINS_WITH"])
            n = self.r.choice([2, 2, 2, 1, 3, 0])
            return f + "(" + ", ".join(self.operand() for _ in range(n)) + ")"
        if depth <= 0:
            return self.path() + " = " + self.literal()
        if roll < 0.9:
            return "(" + self.condition(depth - 1) + ")"
        return self.kw("NOT") + " " + self.predicate(depth - 1)

    def condition(self, depth=2):
        parts = [self.predicate(depth)]
        for _ in range(self.r.randint(0, 3) if depth > 0 else 0):
            parts.append(self.kw(self.r.choice(["AND", "OR", "AND"])))
            parts.append(self.predicate(depth - 1))
        return self.sp().join(parts)

    def key_where(self, tkey, full=True):
        """Equalities on a table's key (the whole key if full), and sometimes more."""
        t = TABLES[tkey]
        parts = []
        nkeys = len(t["keys"]) if full or self.chance(0.5) else 1
        for name, type_ in list(zip(t["keys"], t["types"]))[:nkeys]:
            roll = self.r.random()
            value = self.key_value(type_)
            if roll < 0.75:
                parts.append(name + " = " + value)
            elif roll < 0.85:
                parts.append(value + " = " + name)
            elif roll < 0.92:
                parts.append(name + " " + self.kw("IN") + " [" + value + "]")
            else:
                parts.append(name + " = " + value + " AND " + name + " = " + self.key_value(type_))
        if len(t["keys"]) == 2 and self.chance(0.15):
            parts.append(self.r.choice(["sk > 0", "sk BETWEEN 1 AND 2", "begins_with(sk, '1')",
                                        "sk IN [1, 2]"]))
        if self.chance(0.05 if full else 0.3):
            parts.append(self.condition(1))
        self.r.shuffle(parts)
        return (" " + self.kw("AND") + " ").join(parts)

    # ---- statements ---------------------------------------------------

    def select(self, single=False):
        tkey = self.table_key()
        proj = "*" if self.chance(0.6) else ", ".join(self.path() for _ in range(self.r.randint(1, 4)))
        out = self.kw("SELECT") + " " + proj + " " + self.kw("FROM") + " " + self.table(tkey)
        if single or self.chance(0.8):
            where = self.key_where(tkey, full=single or self.chance(0.5)) if self.chance(0.8) else self.condition()
            out += " " + self.kw("WHERE") + " " + where
        if not single and self.chance(0.1):
            out += " " + self.kw("ORDER BY") + " " + self.r.choice(["pk", "sk", "l", "a"]) + " " + \
                self.kw(self.r.choice(["ASC", "DESC", ""]))
        return out

    def insert(self):
        tkey = self.table_key()
        t = TABLES[tkey]
        members = []
        for name, type_ in zip(t["keys"], t["types"]):
            if self.chance(0.95):
                members.append("'" + name + "': " + self.key_value(type_))
        for _ in range(self.r.randint(0, 4)):
            members.append("'" + self.r.choice(["a", "b", "n", "s", "m", "lst", "g", "l", ""]) + "': "
                           + self.literal())
        item = "{" + ", ".join(members) + "}"
        if self.chance(0.05):
            item = self.r.choice([self.param(), "[" + item + "]", "<<" + item + ">>", "'x'"])
        return (self.kw("INSERT") + " " + self.kw("INTO") + " " + self.table(tkey) + " "
                + self.kw("VALUE" if self.chance(0.95) else "VALUES") + " " + item)

    def set_value(self):
        roll = self.r.random()
        target = self.path()
        if roll < 0.5:
            value = self.operand()
        elif roll < 0.7:
            value = target + " " + self.r.choice(["+", "-"]) + " " + self.r.choice([self.number(), self.param(), self.path()])
        elif roll < 0.8:
            value = "list_append(" + self.r.choice([target, self.literal()]) + ", " + self.literal() + ")"
        elif roll < 0.9:
            value = self.r.choice(["set_add", "set_delete"]) + "(" + target + ", " + self.literal() + ")"
        else:
            value = "(" + self.operand() + " + " + self.operand() + ")"
        return target + " = " + value

    def update(self):
        tkey = self.table_key()
        out = self.kw("UPDATE") + " " + self.table(tkey)
        for _ in range(self.r.randint(1, 3)):
            if self.chance(0.75):
                out += " " + self.kw("SET") + " " + ", ".join(self.set_value() for _ in range(self.r.randint(1, 3)))
            else:
                out += " " + self.kw("REMOVE") + " " + ", ".join(self.path() for _ in range(self.r.randint(1, 2)))
        if self.chance(0.95):
            out += " " + self.kw("WHERE") + " " + self.key_where(tkey, full=self.chance(0.9))
        if self.chance(0.2):
            out += " " + self.kw("RETURNING") + " " + self.kw(self.r.choice(["ALL", "MODIFIED"])) + " " + \
                self.kw(self.r.choice(["OLD", "NEW"])) + " *"
        return out

    def delete(self):
        tkey = self.table_key()
        out = self.kw("DELETE") + " " + self.kw("FROM") + " " + self.table(tkey)
        if self.chance(0.95):
            out += " " + self.kw("WHERE") + " " + self.key_where(tkey, full=self.chance(0.9))
        if self.chance(0.15):
            out += " " + self.kw("RETURNING") + " " + self.kw(self.r.choice(["ALL OLD", "ALL NEW", "MODIFIED OLD"])) + " *"
        return out

    def exists(self):
        return self.kw("EXISTS") + "(" + self.select(single=True) + ")"

    def statement(self, kind=None):
        kind = kind or self.r.choice(["select", "select", "insert", "update", "update", "delete"] * 4
                                     + ["exists"])
        text = getattr(self, kind)()
        if self.chance(0.03):
            text += ";"
        return text

    # ---- mutations ----------------------------------------------------

    def token(self):
        roll = self.r.random()
        if roll < 0.2:
            return self.name()
        if roll < 0.35:
            return self.kw(self.r.choice(KEYWORDS))
        if roll < 0.6:
            return self.r.choice(PUNCT + COMPARATORS)
        if roll < 0.7:
            return self.r.choice(FUNCTIONS) + "("
        if roll < 0.8:
            return self.literal(0)
        if roll < 0.85:
            return self.table(self.table_key())
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
                text = text[:i] + self.r.choice(JUNK + PUNCT + ["a", "1", "?", " "]) + text[i + 1:]
            elif roll < 0.8:
                text = text[:pos]
            else:
                words = text.split(" ")
                if len(words) > 1:
                    i, j = self.r.randrange(len(words)), self.r.randrange(len(words))
                    words[i], words[j] = words[j], words[i]
                    text = " ".join(words)
        # a mutation may add or drop ?: the count is roughly right
        self.nparams = text.count("?")
        return text

    def soup(self):
        text = "".join(self.token() + self.r.choice(SPACES) for _ in range(self.r.randint(1, 30)))
        self.nparams = text.count("?")
        return text

    # ---- limits and depth --------------------------------------------

    def deep(self):
        n = self.r.choice([1, 2, 10, 31, 32, 33, 49, 50, 51, 99, 100, 101, 150, 300, 1000,
                           1300, 2000, 4000, 8000])
        t = self.prefix + "_h"
        sel = "SELECT * FROM " + t + " WHERE "
        shapes = [
            lambda: sel + "(" * n + "a = 1" + ")" * n,
            lambda: sel + "(" * n,
            lambda: sel + "NOT " * n + "a = 1",
            lambda: sel + "(NOT " * n + "a = 1" + ")" * n,
            lambda: sel + "a = " + "[" * n + "1" + "]" * n,
            lambda: sel + "a = " + "{'k': " * n + "1" + "}" * n,
            lambda: sel + "a = " + "[{'k': " * n + "1" + "}]" * n,
            lambda: sel + "a = <<" + ", ".join(str(i) for i in range(n)) + ">>",
            lambda: sel + "a" + ".b" * n + " = 1",
            lambda: sel + "a" + "[0]" * n + " = 1",
            lambda: sel + "pk = 'k1'" + " AND a = 1" * n,
            lambda: sel + "a = 1" + " OR a = 1" * n,
            lambda: sel + "pk = 'k0'" + " AND pk = 'k0'" * n,
            lambda: sel + "pk IN [" + ", ".join("'k%d'" % i for i in range(n)) + "]",
            lambda: sel + "a IN [" + ", ".join(str(i) for i in range(n)) + "]",
            lambda: sel + "pk IN (" + ", ".join(self.param_of("S") for _ in range(n)) + ")",
            lambda: sel + "a = " + "size(" * n + "b" + ")" * n,
            lambda: sel + "begins_with(" * n + "a, 'x')" + ")" * (n - 1),
            lambda: "UPDATE " + t + " SET a = a" + " + 1" * n + " WHERE pk = 'k1'",
            lambda: "UPDATE " + t + " SET a = " + "list_append(" * n + "a, [1])" + ", [1])" * (n - 1)
                    + " WHERE pk = 'k1'",
            lambda: "UPDATE " + t + " SET " + ", ".join("a%d = %d" % (i, i) for i in range(n))
                    + " WHERE pk = 'k2'",
            lambda: "UPDATE " + t + " " + " ".join("SET a%d = 1 REMOVE b%d" % (i, i) for i in range(n))
                    + " WHERE pk = 'k2'",
            lambda: "INSERT INTO " + t + " VALUE {'pk': 'deep', " +
                    ", ".join("'a%d': %d" % (i, i) for i in range(n)) + "}",
            lambda: "INSERT INTO " + t + " VALUE {'pk': 'deep', 'a': " + "[" * n + "]" * n + "}",
            lambda: "SELECT " + ", ".join("a%d" % i for i in range(n)) + " FROM " + t,
            lambda: "SELECT * FROM " + t + " WHERE pk = 'k1' ORDER BY " + ", ".join(["pk"] * n),
            lambda: "EXISTS(" * n + "SELECT * FROM " + t + " WHERE pk = 'k1' AND a = 1" + ")" * n,
            lambda: "SELECT * FROM " + t + " WHERE " + " ".join("?" for _ in range(n)),
            lambda: "SELECT * FROM " + t + " WHERE a = '" + "x" * n + "'",
            lambda: "SELECT * FROM " + t + " WHERE a = " + "9" * n,
            lambda: "SELECT * FROM " + t + " WHERE " + "\"" + "a" * n + "\" = 1",
            lambda: "SELECT * FROM " + t + " WHERE " + "a" * n + " = 1",
            lambda: "/*" * n + "SELECT * FROM " + t + "*/" * n,
        ]
        text = self.r.choice(shapes)()
        if self.chance(0.15):
            text = self.mutate(text)
        return text

    def long(self):
        """A statement padded to about 8192 characters."""
        text = self.statement()
        target = self.r.choice([8185, 8191, 8192, 8193, 8200, 9000, 20000])
        pad = self.r.choice([" ", "\t", "\u00e9", "\u2603", "\U0001d11e"])
        if len(text) < target:
            text += pad * (target - len(text))
        return text

    def odd(self):
        return self.r.choice(["", " ", ";", "?", "SELECT", "SELECT *", "SELECT * FROM",
                              "INSERT", "UPDATE", "DELETE", "EXISTS", "EXISTS()", "VALUE",
                              "'", '"', "/*", "--", "\x00", "\u200b", "\ud800",
                              "SELECT * FROM \"" + self.prefix + "_h\" WHERE pk = 'k1\x00'",
                              "SELECT * FROM \"" + self.prefix + "_h\x00\""])

    def statement_text(self, member=False):
        """A statement; one of a batch or transaction (member) is less often
        extreme, so that the others in its request get their turn"""
        self.nparams = 0
        self.typed = []
        weights = [(0.5, self.statement), (0.25, lambda: self.mutate(self.statement())),
                   (0.08, self.soup), (0.1, self.deep), (0.04, self.long), (0.03, self.odd)]
        if member:
            weights = [(0.6, self.statement), (0.3, lambda: self.mutate(self.statement())),
                       (0.04, self.soup), (0.03, self.deep), (0.01, self.long), (0.02, self.odd)]
        roll = self.r.random()
        for weight, make in weights:
            if roll < weight:
                return make()
            roll -= weight
        return self.odd()

    # ---- parameters and requests -------------------------------------

    def attribute_value(self, type_=None, depth=2):
        type_ = type_ or self.r.choice(PARAM_TYPES)
        b64 = base64.b64encode(bytes(self.r.randrange(256) for _ in range(self.r.randint(0, 6)))).decode()
        if type_ == "S":
            return {"S": self.r.choice(["k0", "k1", "k2", "k3", "x", "", "a\x00b", "\x00", "\x01",
                                        "\U0001f600", "x" * 500])}
        if type_ == "N":
            return {"N": self.r.choice(["0", "1", "2", "3", "-1", "1e3", "1e126", "", "abc", " 1",
                                        "1" * 39, "0.1", "-0"])}
        if type_ == "B":
            return {"B": self.r.choice([b64, b64, b64, "", "AAAA", b64, b64, "not base64!"])}
        if type_ == "BOOL":
            return {"BOOL": self.r.choice([True, False, True, False, True, False, "true"])}
        if type_ == "NULL":
            return {"NULL": self.r.choice([True, True, True, True, True, False, "yes"])}
        if type_ in ("SS", "NS", "BS"):
            base = {"SS": ["a", "b", "a\x00"], "NS": ["1", "2", "x"], "BS": [b64, "AQ=="]}[type_]
            return {type_: self.r.sample(base, self.r.randint(0, len(base))) + (["a"] * self.chance(0.1))}
        if depth <= 0:
            return {"S": "leaf"}
        if type_ == "L":
            return {"L": [self.attribute_value(None, depth - 1) for _ in range(self.r.randint(0, 3))]}
        return {"M": {self.r.choice(["k", "a", "", "\x00", "pk"]): self.attribute_value(None, depth - 1)
                      for _ in range(self.r.randint(0, 3))}}

    def odd_attribute_value(self):
        roll = self.r.random()
        if roll < 0.2:
            return self.r.choice([None, 1, "S", [], {}, True])
        if roll < 0.4:
            return {"S": "a", "N": "1"}
        if roll < 0.55:
            return {self.r.choice(["X", "s", "Ss", ""]): "a"}
        if roll < 0.7:
            return {"S": self.r.choice([1, None, ["a"], {"S": "a"}])}
        if roll < 0.85:
            n = self.r.choice([31, 32, 33, 100, 500])
            v = {"S": "leaf"}
            for _ in range(n):
                v = self.r.choice([{"L": [v]}, {"M": {"k": v}}])
            return v
        if roll < 0.95:
            return {"L": [{"S": "x"}] * self.r.choice([100, 1000])}
        return {"S": "x" * self.r.choice([10000, 100000, 409600])}

    def parameters(self):
        """Parameters for the statement just built, sometimes wrong."""
        n = self.nparams
        roll = self.r.random()
        if roll < 0.05:
            return None
        if roll < 0.1:
            n = max(0, n + self.r.choice([-2, -1, 1, 2]))
        if n == 0:
            return None if self.chance(0.99) else []
        out = []
        for i in range(n):
            if self.chance(0.03):
                out.append(self.odd_attribute_value())
            elif i < len(self.typed) and self.chance(0.85):
                out.append(self.attribute_value(self.typed[i]))
            else:
                out.append(self.attribute_value())
        return out

    def parameterized(self, members, member=False):
        text = self.statement_text(member)
        stmt = {"Statement": text}
        params = self.parameters()
        if params is not None:
            stmt["Parameters"] = params
        odd = 0.003 if member else 0.02
        if self.chance(odd):
            stmt["Parameters"] = self.r.choice([{"S": "x"}, "x", 1, [[]]])
        for name, values in members.items():
            if self.chance(0.1):
                stmt[name] = self.r.choice(values[:-1] if member and self.chance(0.9) else values)
        if self.chance(odd / 2):
            stmt[self.r.choice(["statement", "Unknown", ""])] = "x"
        if self.chance(odd / 2):
            stmt["Statement"] = self.r.choice([None, 1, ["SELECT"], {"S": "x"}])
        return stmt

    def next_token(self):
        roll = self.r.random()
        if roll < 0.3:
            return self.r.choice(["", "x", "not a token", "====", "e30=", "\x00", "a" * 40000])
        obj = {"h": self.r.choice(["0", "123", "", "x" * 100]),
               "p": self.r.choice([0, 1, -1, 50, 2 ** 40, "1", None])}
        if self.chance(0.7):
            obj["k"] = self.r.choice([{"pk": {"S": "k1"}}, {"pk": {"S": "k1"}, "sk": {"N": "1"}},
                                      {"pk": {"N": "x"}}, {}, [], "k", {"pk": {"B": "AAAA"}}])
        raw = json.dumps(obj)
        if self.chance(0.2):
            raw = raw[:self.r.randrange(len(raw) + 1)]
        return base64.b64encode(raw.encode()).decode()

    def forge(self):
        """What follows '{"h": ..., ' in a forged NextToken (hex), or "keep"."""
        if self.chance(0.3):
            return "keep"
        part = self.r.choice([0, 0, 1, 1, 2, 3, 49, 50, 51, -1, 2 ** 31, 2 ** 63, "1", None, 1.5])
        body = '"p": ' + json.dumps(part)
        roll = self.r.random()
        if roll < 0.15:
            pass
        elif roll < 0.85:
            key = self.r.choice([
                {"pk": {"S": "k1"}}, {"pk": {"S": "k9"}}, {"pk": {"S": "k1"}, "sk": {"N": "3"}},
                {"pk": {"S": "k2"}, "sk": {"N": "1e125"}}, {"pk": {"S": "k1"}, "g": {"S": "g1"}},
                {"pk": {"S": "k1"}, "sk": {"N": "2"}, "l": {"N": "20"}}, {"pk": {"B": "AAAAAQ=="}},
                {"pk": {"N": "1"}}, {"pk": {"S": ""}}, {"pk": {"S": "a\u0000"}}, {"sk": {"N": "1"}},
                {"pk": {"S": "k1"}, "x": {"S": "y"}}, {"pk": {"SS": ["a"]}}, {"pk": {"M": {}}},
                {"pk": {"S": "k1"}, "sk": {"S": "x"}}, {"pk": {"N": "abc"}}, {}, [], "k", 1, None,
                {"pk": {"S": "x" * 2000}}, {"g": {"S": "g0"}, "pk": {"S": "k3"}}])
            body += ', "k": ' + json.dumps(key)
        else:
            body += ', "k": ' + self.r.choice(['{"pk": {"S": "\\ud800"}}', '{"pk": ', '{"pk": {"S": 1}}'])
        raw = (body + "}").encode()
        if self.chance(0.1):
            i = self.r.randrange(len(raw) + 1)
            raw = raw[:i] + self.r.choice([b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"}"]) + raw[i:]
        return raw.hex()

    def forged_select(self):
        """A SELECT of the tables or indexes that reads pages of a few items."""
        tkey = self.r.choice(["h", "r", "r", "b"])
        self.nparams, self.typed = 0, []
        table = '"' + self.prefix + "_" + tkey + '"'
        if self.chance(0.3) and TABLES[tkey]["indexes"]:
            table += '."' + list(TABLES[tkey]["indexes"])[0] + '"'
        where = self.r.choice(["", " WHERE pk IN ['k0', 'k1', 'k2', 'k3']", " WHERE pk = 'k1'",
                               " WHERE a > 2", " WHERE pk IN ['k1', 'k3'] ORDER BY sk DESC",
                               " WHERE pk = 'k2' AND sk > 1", " WHERE g = 'g1'",
                               " WHERE pk = ? ORDER BY l", " WHERE pk IN [?, 'k0'] AND sk >= ?"])
        text = "SELECT * FROM " + table + where
        req = {"Statement": text, "Limit": self.r.choice([1, 1, 2, 3])}
        n = text.count("?")
        if n:
            req["Parameters"] = [{"S": "k1"}, {"N": "1"}][:n]
        if self.chance(0.2):
            req["ConsistentRead"] = True
        return req

    def request(self):
        if self.chance(0.05):
            return "ExecuteStatement", self.encode(self.forged_select()), self.forge()
        op = self.r.choice(OPERATIONS)
        capacity = ["TOTAL", "INDEXES", "NONE"] * 4 + ["ALL", "", 1]
        on_failure = ["ALL_OLD", "NONE", "ALL_OLD", "NONE", "ALL_OLD", "NONE", "ALL_NEW"]
        if op == "ExecuteStatement":
            req = self.parameterized({"ConsistentRead": [True, False, True, False, "true"],
                                      "ReturnValuesOnConditionCheckFailure": on_failure})
            if self.chance(0.2):
                req["Limit"] = self.r.choice([1, 2, 5, 100, 1, 2, 5, 100, 2 ** 31] if self.chance(0.9) else
                                             [0, -1, 2 ** 63, 1.5, "1"])
            if self.chance(0.05):
                req["NextToken"] = self.next_token()
            if self.chance(0.1):
                req["ReturnConsumedCapacity"] = self.r.choice(capacity)
        else:
            top = 25 if op == "BatchExecuteStatement" else 100
            n = self.r.choice([1, 1, 1, 2, 2, 3, 5, 10]) if self.chance(0.95) else \
                self.r.choice([0, top - 1, top, top + 1, top + 5])
            members = {"ReturnValuesOnConditionCheckFailure": on_failure}
            if op == "BatchExecuteStatement":
                members["ConsistentRead"] = [True, False]
            # a batch or transaction of reads, of writes, or a mix
            kind = self.r.choice(["read", "write", "mix"])
            stmts = []
            for _ in range(n):
                saved = self.r.random()
                if kind == "read" and saved < 0.9:
                    self.nparams, self.typed = 0, []
                    text = self.select(single=True)
                    stmt = {"Statement": text}
                    params = self.parameters()
                    if params is not None:
                        stmt["Parameters"] = params
                elif kind == "write" and saved < 0.9:
                    self.nparams, self.typed = 0, []
                    text = self.statement(self.r.choice(["insert", "update", "delete", "exists"]))
                    stmt = {"Statement": text}
                    params = self.parameters()
                    if params is not None:
                        stmt["Parameters"] = params
                else:
                    stmt = self.parameterized(members, member=True)
                stmts.append(stmt)
            list_name = "Statements" if op == "BatchExecuteStatement" else "TransactStatements"
            req = {list_name: stmts}
            if self.chance(0.02):
                req[list_name] = self.r.choice([None, {}, "x", [1]])
            if self.chance(0.15):
                req["ReturnConsumedCapacity"] = self.r.choice(capacity)
            if op == "ExecuteTransaction" and self.chance(0.2):
                req["ClientRequestToken"] = self.prefix + "-t%d" % self.r.randrange(5) if self.chance(0.9) else \
                    self.r.choice(["", "x" * 37, "\x00"])
        if self.chance(0.01):
            req[self.r.choice(["TableName", "Unknown", "statement"])] = "x"
        return op, self.encode(req), ""

    def encode(self, req):
        """The request's JSON text: escaped or raw UTF-8, sometimes cut short."""
        try:
            text = json.dumps(req, ensure_ascii=self.chance(0.5))
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = json.dumps(req, ensure_ascii=True)   # lone surrogates as escapes
        if self.chance(0.01):
            text = text[:self.r.randrange(len(text) + 1)]
        elif self.chance(0.01):
            # a lone surrogate, which JSON can only write as an escape
            text = text.replace('"Statement": "', '"Statement": "\\ud800', 1)
        return text


def main():
    count = int(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    prefix = sys.argv[3] if len(sys.argv) > 3 else "fz"
    gen = Generator(seed, prefix)
    out = csv.writer(sys.stdout, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for i in range(count):
        op, text, forge = gen.request()
        out.writerow([i, op, text, forge])


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8")
    sys.setrecursionlimit(10000)    # json.dumps of deep L and M values
    main()
