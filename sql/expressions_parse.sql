-- expressions_parse: stage 1 of the expression language (src/expr_parser.c),
-- seen through ddb.parse_expression(kind, expression), which returns the
-- parsed tree fully parenthesized, or DynamoDB's ValidationException
\set VERBOSITY terse

-- Precedence: comparators > IN > BETWEEN > functions > parentheses > NOT > AND > OR
SELECT ddb.parse_expression('condition', 'a.b[2] = :v AND NOT attribute_exists(#n)');
SELECT ddb.parse_expression('condition', 'a = :v OR b = :v AND c = :v');
SELECT ddb.parse_expression('condition', '(a = :v OR b = :v) AND c = :v');
SELECT ddb.parse_expression('condition', 'NOT a = :v AND b = :v OR NOT NOT c <> :v');
SELECT ddb.parse_expression('condition', 'NOT (a = :v AND b = :v)');
-- AND and OR group to the right, as DynamoDB's do
SELECT ddb.parse_expression('condition', 'a = :v AND b = :v AND c = :v');
SELECT ddb.parse_expression('condition', 'a = :v OR b = :v OR c = :v');
-- BETWEEN takes the first AND; IN takes a list
SELECT ddb.parse_expression('condition', 'a BETWEEN :lo AND :hi AND b IN (:x, :y, c.d)');
SELECT ddb.parse_expression('condition', 'size(a) BETWEEN :lo AND :hi OR size(b) IN (:x)');
-- Every comparator; operands may be paths, values or size()
SELECT ddb.parse_expression('condition', 'a = b AND a <> :v AND :v < a AND a <= size(b) AND a > :v AND a >= :v');
-- The functions
SELECT ddb.parse_expression('filter', 'attribute_exists(a) AND attribute_not_exists(b.c) AND attribute_type(d, :t) AND begins_with(e, :p) AND contains(f, :x) AND size(g) > :n');
-- An operand may be parenthesized once
SELECT ddb.parse_expression('condition', '(a) = (:v) AND ((b) = :v)');
SELECT ddb.parse_expression('condition', 'begins_with((a), (:v))');
-- Keywords are case-insensitive; whitespace is free, even inside paths
SELECT ddb.parse_expression('condition', E'a = :v and\tnot b = :v\nOr c between :x AnD :y OR d iN (:z)');
SELECT ddb.parse_expression('condition', ' a . b [ 1 ] . #c = :v ');
-- Names: letters, digits, underscores; placeholders: any of those after # or :
SELECT ddb.parse_expression('condition', 'a_1.B2 = :_ AND #1 = :0a');
SELECT ddb.parse_expression('key_condition', 'pk = :pk AND begins_with(sk, :prefix)');
SELECT ddb.parse_expression('key_condition', '(#pk = :pk) AND (sk BETWEEN :a AND :b)');

-- UpdateExpression: sections in any order, each once; actions in the order written
SELECT ddb.parse_expression('update', 'SET a = :v, b = c REMOVE d, e[1] ADD f :n DELETE g :s');
SELECT ddb.parse_expression('update', 'delete g :s add f :n remove d set a = :v');
-- One + or - per value; functions nest
SELECT ddb.parse_expression('update', 'SET a = b + :one, c = :n - c, d = (e + :one)');
SELECT ddb.parse_expression('update', 'SET a = list_append(if_not_exists(a, :empty), :v)');
SELECT ddb.parse_expression('update', 'SET a = if_not_exists(a, :zero) + :one, b = list_append(:v, b) - list_append(c, :w)');
SELECT ddb.parse_expression('update', 'SET a = (b) + (:v), c = (list_append(c, :v))');
SELECT ddb.parse_expression('update', 'SET #a.b[0] = :v, a[10].#b = :w');

-- ProjectionExpression: paths
SELECT ddb.parse_expression('projection', 'a, b.c[1], #d.e, f[0][1]');

-- The deepest document path (32 elements)
SELECT ddb.parse_expression('projection', 'a' || repeat('[0]', 31));
-- 300 operators are allowed (150 "<" and 150 "OR" ... nested)
SELECT length(ddb.parse_expression('condition',
    'a<b' || repeat(' OR (a<b', 149) || repeat(')', 149))) AS ok;
-- IN with 100 operands (the left one and 99 in the list)
SELECT length(ddb.parse_expression('condition',
    'a IN (' || (SELECT string_agg(':v' || i, ',') FROM generate_series(1, 99) i) || ')')) AS ok;
-- The largest list index
SELECT ddb.parse_expression('projection', 'a[2147483647]');
-- 4096 bytes is the largest expression
SELECT length(ddb.parse_expression('projection', repeat('a', 4096))) AS ok;
-- Placeholders are not resolved here: any name is fine
SELECT ddb.parse_expression('condition', '#' || repeat('n', 300) || ' = :v');

-- Invalid input: empty expressions
SELECT ddb.parse_expression('condition', '');
SELECT ddb.parse_expression('projection', E' \t\n ');
-- Invalid input: more than 4 KB
SELECT ddb.parse_expression('filter', repeat('a', 4097));
SELECT ddb.parse_expression('update', 'SET a = :v' || repeat(' ', 5000));
-- Invalid input: syntax errors name the token and its neighbours
SELECT ddb.parse_expression('update', 'SET _123 = :v');
SELECT ddb.parse_expression('condition', 'a =');
SELECT ddb.parse_expression('condition', 'a = ');
SELECT ddb.parse_expression('update', 'SET');
SELECT ddb.parse_expression('projection', 'a b');
SELECT ddb.parse_expression('projection', 'a,');
SELECT ddb.parse_expression('condition', 'a = :v AND');
SELECT ddb.parse_expression('condition', 'a = b = c');
SELECT ddb.parse_expression('condition', 'a');
SELECT ddb.parse_expression('condition', 'a AND b = :v');
SELECT ddb.parse_expression('condition', 'NOT (a)');
SELECT ddb.parse_expression('condition', '(a = :v');
SELECT ddb.parse_expression('condition', 'a = :v)');
SELECT ddb.parse_expression('condition', '1a = :v');
SELECT ddb.parse_expression('condition', 'a = "text"');
SELECT ddb.parse_expression('condition', 'a = :v ☃ b');
SELECT ddb.parse_expression('condition', E'a = :v\n\t+ b');
SELECT ddb.parse_expression('condition', 'a == :v');
SELECT ddb.parse_expression('condition', 'a != :v');
SELECT ddb.parse_expression('condition', 'a = 5');
SELECT ddb.parse_expression('condition', '# = :v');
SELECT ddb.parse_expression('condition', 'a = :');
-- Invalid input: keywords are never names
SELECT ddb.parse_expression('condition', 'a.and = :v');
SELECT ddb.parse_expression('condition', 'set = :v');
SELECT ddb.parse_expression('update', 'SET remove = :v');
-- Invalid input: IN needs operands
SELECT ddb.parse_expression('condition', 'a IN ()');
SELECT ddb.parse_expression('condition', 'a IN :v');
-- Invalid input: list indexes are non-negative integer literals
SELECT ddb.parse_expression('condition', 'a[-1] = :v');
SELECT ddb.parse_expression('condition', 'a[0.4] = :v');
SELECT ddb.parse_expression('condition', 'a[:i] = :v');
SELECT ddb.parse_expression('condition', 'a[#i] = :v');
SELECT ddb.parse_expression('condition', 'a[01] = :v');
SELECT ddb.parse_expression('projection', 'a[]');
SELECT ddb.parse_expression('projection', '[0]');
SELECT ddb.parse_expression('projection', 'a[2147483648]');
-- Invalid input: a :value is not a path
SELECT ddb.parse_expression('update', 'SET :v = a');
SELECT ddb.parse_expression('update', 'REMOVE :v');
SELECT ddb.parse_expression('condition', 'a.:v = :w');
SELECT ddb.parse_expression('projection', ':v');
-- Invalid input: a function where a path is required
SELECT ddb.parse_expression('update', 'SET if_not_exists(a, :v) = :w');
SELECT ddb.parse_expression('projection', 'size(a)');
-- Invalid input: at most one + or - per value, and not inside functions
SELECT ddb.parse_expression('update', 'SET a = b + c + d');
SELECT ddb.parse_expression('update', 'SET a = (b + c) + d');
SELECT ddb.parse_expression('update', 'SET a = list_append(b + c, d)');
SELECT ddb.parse_expression('update', 'SET a = b * c');
-- Invalid input: ADD and DELETE take a :value
SELECT ddb.parse_expression('update', 'ADD a b');
SELECT ddb.parse_expression('update', 'ADD a (:v)');
SELECT ddb.parse_expression('update', 'DELETE a');
-- Invalid input: sections are not separated by commas
SELECT ddb.parse_expression('update', 'SET a = :v, REMOVE b');
SELECT ddb.parse_expression('update', 'a = :v');

-- Invalid input: redundant parentheses
SELECT ddb.parse_expression('condition', '((a = :v))');
SELECT ddb.parse_expression('condition', 'a = :v AND ((b = :v))');
SELECT ddb.parse_expression('condition', '((a)) = :v');
SELECT ddb.parse_expression('condition', 'a = ((:v))');
SELECT ddb.parse_expression('condition', '((attribute_exists(a)))');
SELECT ddb.parse_expression('filter', '(((a)) = :v)');
SELECT ddb.parse_expression('key_condition', '((pk = :v))');
SELECT ddb.parse_expression('update', 'SET a = ((b + :v))');
SELECT ddb.parse_expression('update', 'SET a = ((b)) + :v');
SELECT ddb.parse_expression('update', 'SET a = list_append(((b)), :v)');
-- Invalid input: but a syntax error right after them is reported first
SELECT ddb.parse_expression('condition', '((a)) b');
SELECT ddb.parse_expression('condition', '((a = :v)');
SELECT ddb.parse_expression('update', 'SET a = ((b)) c');

-- Invalid input: reserved words as bare names, in any case
SELECT ddb.parse_expression('condition', 'name = :v');
SELECT ddb.parse_expression('condition', 'a.Size = :v');
SELECT ddb.parse_expression('update', 'SET a = :v REMOVE Comment');
SELECT ddb.parse_expression('projection', 'id, data, year');
-- ... but not as placeholders or function names
SELECT ddb.parse_expression('projection', '#name, #data');
SELECT ddb.parse_expression('condition', 'size(#name) > :v');

-- Invalid input: unknown functions (names are case-sensitive)
SELECT ddb.parse_expression('condition', 'foo(a)');
SELECT ddb.parse_expression('condition', 'Attribute_Exists(a)');
SELECT ddb.parse_expression('condition', 'SIZE(a) > :v');
SELECT ddb.parse_expression('update', 'SET a = f(x) + g(y)');
-- Invalid input: wrong number of operands
SELECT ddb.parse_expression('condition', 'size(a, b) > :v');
SELECT ddb.parse_expression('condition', 'attribute_exists(a, b)');
SELECT ddb.parse_expression('condition', 'begins_with(a)');
SELECT ddb.parse_expression('condition', 'contains(a, b, c)');
SELECT ddb.parse_expression('update', 'SET a = list_append(a)');
SELECT ddb.parse_expression('update', 'SET a = if_not_exists(a, :v, :w)');
SELECT ddb.parse_expression('condition', 'attribute_type()');
-- Invalid input: size() is a value, the other condition functions are conditions
SELECT ddb.parse_expression('condition', 'size(a)');
SELECT ddb.parse_expression('condition', 'a = :v AND NOT size(a)');
SELECT ddb.parse_expression('condition', 'attribute_exists(a) = :v');
SELECT ddb.parse_expression('condition', 'a IN (begins_with(a, :v))');
SELECT ddb.parse_expression('condition', 'size(contains(a, :v)) > :n');
-- Invalid input: update functions in conditions, condition functions in updates
SELECT ddb.parse_expression('condition', 'if_not_exists(a, :v)');
SELECT ddb.parse_expression('condition', 'a = list_append(a, :v)');
SELECT ddb.parse_expression('update', 'SET a = size(b)');
SELECT ddb.parse_expression('update', 'SET a = attribute_exists(b)');
-- Invalid input: functions that need a document path
SELECT ddb.parse_expression('condition', 'attribute_exists(:v)');
SELECT ddb.parse_expression('condition', 'attribute_not_exists((:v))');
SELECT ddb.parse_expression('update', 'SET a = if_not_exists(:v, b)');
SELECT ddb.parse_expression('condition', 'size(size(a)) > :n');
-- Invalid input: a repeated update section
SELECT ddb.parse_expression('update', 'SET a = :v SET b = :w');
SELECT ddb.parse_expression('update', 'REMOVE a SET b = :v REMOVE c');
SELECT ddb.parse_expression('update', 'ADD a :v ADD b :w');
SELECT ddb.parse_expression('update', 'DELETE a :v ADD b :w DELETE c :x');

-- Invalid input: more than 300 operators (counted as written: DynamoDB stops at 301)
SELECT ddb.parse_expression('condition', 'a<b' || repeat(' OR (a<b', 454) || repeat(')', 454));
SELECT ddb.parse_expression('condition', repeat('NOT ', 1000) || 'a < b');
SELECT ddb.parse_expression('update', 'SET ' ||
    (SELECT string_agg('a' || i || '=b+c', ',') FROM generate_series(1, 301) i));
-- (functions count too: 101 x "size(a)<b" joined by OR is 302)
SELECT ddb.parse_expression('condition', (SELECT string_agg('size(a)<b', ' OR ') FROM generate_series(1, 101)));
-- Invalid input: IN with more than 100 operands
SELECT ddb.parse_expression('condition',
    'a IN (' || (SELECT string_agg(':v' || i, ',') FROM generate_series(1, 100) i) || ')');
-- Invalid input: a document path of 33 elements
SELECT ddb.parse_expression('projection', 'a' || repeat('[0]', 32));
SELECT ddb.parse_expression('update', 'SET ' || repeat('a.', 40) || 'a = :v');
-- Invalid input: hostile nesting is refused, not recursed into
SELECT ddb.parse_expression('condition', repeat('(', 2046) || 'a<b' || repeat(')', 2046));
SELECT ddb.parse_expression('condition', repeat('(', 4096));
SELECT ddb.parse_expression('condition', 'a < ' || repeat('f(', 1355) || 'b' || repeat(')', 1355));
SELECT ddb.parse_expression('update', 'SET a = ' || repeat('(', 2000) || 'b' || repeat(')', 2000));

-- A failed parse is not cached: it fails again; a good one parses again
SELECT ddb.parse_expression('condition', 'a = :v AND');
SELECT ddb.parse_expression('condition', 'a = :v AND');
SELECT ddb.parse_expression('condition', 'a = :v AND b = :w');
SELECT ddb.parse_expression('condition', 'a = :v AND b = :w');
-- The same text is a different expression in each kind
SELECT ddb.parse_expression('filter', 'a = :v AND b = :w');

-- Error kinds are named after the expression
SELECT ddb.parse_expression('key_condition', 'pk =');
SELECT ddb.parse_expression('filter', 'pk =');
-- Invalid input: an unknown kind is the caller's mistake, not DynamoDB's
SELECT ddb.parse_expression('sort', 'a');
