/*-------------------------------------------------------------------------
 *
 * ddb.c
 *	  Module magic and _PG_init: one call into each subsystem that needs
 *	  initialising when the library loads.
 *
 * Glossary used across the sources:
 *	  table		 a DynamoDB table: a row in ddb.tables plus its heap table
 *				 ("item table") in schema ddb_data
 *	  item		 one row of an item table; its item column holds the whole
 *				 DynamoDB item in typed JSON ({"name": {"S": "Alice"}})
 *	  key		 the partition key and optional sort key of a table, which
 *				 are also typed columns of the item table
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "catalog.h"
#include "guc.h"
#include "http/http.h"
#include "storage.h"
#include "worker/worker.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * _PG_init runs when the library is loaded, in a backend or (with
 * shared_preload_libraries) in the postmaster.
 */
void
_PG_init(void)
{
	DdbGucInit();
	DdbCatalogInit();
	DdbStorageInit();
	DdbWorkerInit();
	DdbHttpInit();
}
