# ddb: PGXS build of the extension library, its SQL script and its tests.

EXTENSION = ddb
EXTVERSION = 0.3.0

MODULE_big = ddb
OBJS = $(patsubst %.c,%.o,$(wildcard src/*.c src/*/*.c))

DATA = $(wildcard sql/ddb--*.sql)

# pg_regress tests, in order: sql/<name>.sql against expected/<name>.out
REGRESS = setup attribute_values tables items marshal security \
	expressions_parse conditions updates projections legacy batch transactions query scan nested_calls sql_writes \
	strings key_parameters validation_expressions validation_tables limits indexes_definition indexes_upkeep indexes_query \
	indexes_online indexes_update indexes_collections indexes_collections_limits partiql_select partiql_write partiql_batch partiql_limits \
	ttl ttl_worker http_access_keys streams_api streams_records backups pitr pitr_background export import request_text
REGRESS_OPTS = --inputdir=. --outputdir=tmp_regress

# isolation tests: test/isolation/specs/<name>.spec
ISOLATION = put_race conditional_create counter transfer_race transact_conflict delete_race write_skew conflict_errors \
	index_race index_backfill index_collection_race ttl_race partiql_transaction stream_order
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=tmp_isolation

PG_CONFIG ?= pg_config
# headers are included by name from each concern's directory, or as
# "<subsystem>/<header>.h" from src
SRC_DIRS = src/operations src/expressions src/items src/store
PG_CPPFLAGS = -Isrc $(addprefix -I,$(SRC_DIRS)) -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
PG_CFLAGS = $(DDB_CFLAGS)
# the HTTP endpoint (src/http): http_parser for framing, zlib for gzip and
# CRC32, libcrypto for SHA-256 and HMAC; zlib and libzstd for ImportTable's
# GZIP and ZSTD input
SHLIB_LINK += -lhttp_parser -lz -lcrypto -lzstd

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

src/*.o src/*/*.o: src/*.h src/*/*.h
