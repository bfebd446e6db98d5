/*-------------------------------------------------------------------------
 *
 * http_worker.c
 *	  The HTTP workers: registration, listening sockets and the event loop
 *	  (see http.h for the whole picture).
 *
 * Each worker opens its own listening sockets on ddb.http_listen_addresses
 * and ddb.http_port with SO_REUSEPORT, so that the kernel spreads incoming
 * connections over the workers, and waits on one WaitEventSet: its latch
 * (SIGHUP, SIGTERM), postmaster death, the listening sockets and every
 * client connection. A WaitEventSet cannot forget a socket, but the kernel
 * drops a closed socket from it (epoll), so a closed connection only
 * leaves an unused entry behind; when the set is full the worker builds a
 * new one from the connections still open.
 *
 * Sockets are non-blocking; a request is answered as soon as it is
 * complete (http_dispatch.c), in a transaction of its own, and its
 * response sent as far as the socket takes it. A connection idle, or
 * stuck mid-request or mid-response, for ddb.http_idle_timeout is closed.
 * A worker at ddb.http_max_connections closes new connections at once.
 *
 * Signals are a backend's: SIGTERM ends the worker (at once, even in a
 * request, whose transaction rolls back; with a clean exit between
 * requests, as at a server shutdown), SIGHUP rereads the
 * configuration, SIGINT (pg_cancel_backend) cancels the request running,
 * which is answered InternalServerError. An error that escapes a request
 * (it should not) is logged and closes that connection only.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "guc.h"
#include "http/http.h"
#include "http/http_private.h"

/* listening sockets of one worker, at most */
#define DDB_HTTP_MAX_LISTENERS 16
/* connections accepted per wake-up of a listening socket, at most */
#define DDB_HTTP_ACCEPT_BATCH 64
/* events handled per wait */
#define DDB_HTTP_EVENTS 64

/* user_data of the wait events that are not connections */
#define LISTENER_TAG(i)		((void *) (uintptr_t) (0x1000 + (i)))
#define IS_LISTENER_TAG(p)	((uintptr_t) (p) >= 0x1000 && (uintptr_t) (p) < 0x1000 + DDB_HTTP_MAX_LISTENERS)
#define CONN_TAG(slot)		((void *) (uintptr_t) (0x100000 + (slot)))
#define IS_CONN_TAG(p)		((uintptr_t) (p) >= 0x100000)
#define CONN_SLOT(p)		((int) ((uintptr_t) (p) - 0x100000))

static pgsocket Listeners[DDB_HTTP_MAX_LISTENERS];
static int	NumListeners = 0;

/* open connections, by slot */
static HttpConn **Conns = NULL;
static int	MaxConns = 0;
static int	NumConns = 0;

/* the wait set: entries used (closed connections' included), capacity */
static WaitEventSet *WaitSet = NULL;
static int	WaitSetUsed = 0;
static int	WaitSetSize = 0;

static MemoryContext ConnectionsContext = NULL;

/* the connection being served, closed if an error escapes */
static HttpConn *volatile CurrentConn = NULL;

/*
 * Add a connection's socket to the wait set with the events it wants.
 */
static void
RegisterConn(HttpConn *conn)
{
	uint32		events = HttpConnWantedEvents(conn);

	if (events == 0)
		events = WL_SOCKET_READABLE;
	conn->event_pos = AddWaitEventToSet(WaitSet, events, conn->sock, NULL, CONN_TAG(conn->slot));
	conn->events = events;
	WaitSetUsed++;
}

/*
 * Build the wait set anew: latch, postmaster death, listeners and the
 * connections open.
 */
static void
BuildWaitSet(void)
{
	if (WaitSet != NULL)
		FreeWaitEventSet(WaitSet);
	WaitSetSize = 2 * MaxConns + NumListeners + 2;
	WaitSet = CreateWaitEventSet(TopMemoryContext, WaitSetSize);
	AddWaitEventToSet(WaitSet, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(WaitSet, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	WaitSetUsed = 2;
	for (int i = 0; i < NumListeners; i++)
	{
		AddWaitEventToSet(WaitSet, WL_SOCKET_READABLE, Listeners[i], NULL, LISTENER_TAG(i));
		WaitSetUsed++;
	}
	for (int i = 0; i < MaxConns; i++)
	{
		if (Conns[i] != NULL)
			RegisterConn(Conns[i]);
	}
}

/*
 * Close a connection and free its slot (its wait set entry stays unused).
 */
static void
CloseConn(HttpConn *conn)
{
	Conns[conn->slot] = NULL;
	NumConns--;
	if (CurrentConn == conn)
		CurrentConn = NULL;
	HttpConnClose(conn);
}

/*
 * After reading or writing: close the connection when it is done, else
 * wait for what it wants next.
 */
static void
UpdateConn(HttpConn *conn)
{
	uint32		events;

	if (HttpConnDone(conn))
	{
		CloseConn(conn);
		return;
	}
	events = HttpConnWantedEvents(conn);
	if (events == 0)
	{
		/* nothing to send and nothing more to read: nothing left to do */
		CloseConn(conn);
		return;
	}
	if (events != conn->events)
	{
		ModifyWaitEvent(WaitSet, conn->event_pos, events, NULL);
		conn->events = events;
	}
}

/*
 * Take the connections waiting on a listening socket.
 */
static void
AcceptConnections(pgsocket listener)
{
	for (int n = 0; n < DDB_HTTP_ACCEPT_BATCH; n++)
	{
		pgsocket	sock = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int			one = 1;
		int			slot = -1;
		HttpConn   *conn;

		if (sock == PGINVALID_SOCKET)
		{
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				ereport(LOG,
						(errcode_for_socket_access(),
						 errmsg("ddb http: could not accept a connection: %m")));
			return;
		}
		if (NumConns >= MaxConns)
		{
			/* full: the client may try again, and find another worker */
			closesocket(sock);
			continue;
		}
		(void) setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		for (int i = 0; i < MaxConns; i++)
		{
			if (Conns[i] == NULL)
			{
				slot = i;
				break;
			}
		}
		Assert(slot >= 0);
		conn = HttpConnOpen(sock, ConnectionsContext);
		conn->slot = slot;
		Conns[slot] = conn;
		NumConns++;
		if (WaitSetUsed >= WaitSetSize)
			BuildWaitSet();		/* registers the new connection too */
		else
			RegisterConn(conn);
	}
}

/*
 * Open the listening sockets; a worker that can listen nowhere stops
 * (FATAL), and the postmaster starts it again later.
 */
static void
OpenListeners(void)
{
	char	   *raw = pstrdup(DdbHttpListenAddresses);
	List	   *hosts;
	ListCell   *lc;
	char		port[16];

	if (!SplitGUCList(raw, ',', &hosts))
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid list syntax in parameter \"ddb.http_listen_addresses\"")));
	snprintf(port, sizeof(port), "%d", DdbHttpPort);
	foreach(lc, hosts)
	{
		char	   *host = (char *) lfirst(lc);
		struct addrinfo hints;
		struct addrinfo *addrs;
		int			rc;

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE;
		rc = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, port, &hints, &addrs);
		if (rc != 0)
		{
			ereport(LOG,
					(errmsg("ddb http: could not resolve \"%s\": %s", host, gai_strerror(rc))));
			continue;
		}
		for (struct addrinfo *addr = addrs; addr != NULL; addr = addr->ai_next)
		{
			pgsocket	sock;
			int			one = 1;

			if (NumListeners >= DDB_HTTP_MAX_LISTENERS)
				break;
			sock = socket(addr->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (sock == PGINVALID_SOCKET)
				continue;
			(void) setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
				ereport(LOG,
						(errcode_for_socket_access(),
						 errmsg("ddb http: could not set SO_REUSEPORT: %m")));
			if (addr->ai_family == AF_INET6)
				(void) setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
			if (bind(sock, addr->ai_addr, addr->ai_addrlen) < 0 || listen(sock, 1024) < 0)
			{
				ereport(LOG,
						(errcode_for_socket_access(),
						 errmsg("ddb http: could not listen on \"%s\" port %d (address family %d): %m",
								host, DdbHttpPort, addr->ai_family)));
				closesocket(sock);
				continue;
			}
			Listeners[NumListeners++] = sock;
		}
		freeaddrinfo(addrs);
	}
	if (NumListeners == 0)
		ereport(FATAL,
				(errmsg("ddb http: could not listen on any of \"%s\" port %d",
						DdbHttpListenAddresses, DdbHttpPort)));
}

/*
 * Allow as many open files as the hard limit does: every connection is
 * one.
 */
static void
RaiseFileLimit(void)
{
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
	{
		limit.rlim_cur = limit.rlim_max;
		(void) setrlimit(RLIMIT_NOFILE, &limit);
	}
}

/*
 * Close connections idle or stuck for longer than ddb.http_idle_timeout.
 */
static void
CloseTimedOut(void)
{
	TimestampTz now = GetCurrentTimestamp();
	int			timeout_ms = DdbHttpIdleTimeout * 1000;

	for (int i = 0; i < MaxConns; i++)
	{
		if (Conns[i] != NULL && HttpConnTimedOut(Conns[i], now, timeout_ms))
			CloseConn(Conns[i]);
	}
}

/*
 * Serve one event of a connection.
 */
static void
ServeConn(HttpConn *conn, uint32 events)
{
	CurrentConn = conn;
	if (events & WL_SOCKET_READABLE)
		HttpConnRead(conn);
	/* answer what is complete; send; resume pipelined requests once sent */
	for (;;)
	{
		HttpConnProcess(conn);
		HttpConnWrite(conn);
		if (conn->broken || conn->close_after_write)
			break;
		if (conn->out_pos < conn->out.len)
			break;				/* wait until the socket takes more */
		if (conn->in.len == conn->in_pos)
			break;				/* wait for more input */
	}
	CurrentConn = NULL;
	UpdateConn(conn);
}

/*
 * Handle SIGHUP, SIGTERM and cancels between requests. A cancel that
 * comes when no request runs is ignored, as an idle backend ignores it.
 */
static void
HandleInterrupts(void)
{
	/* SIGTERM between requests (a server shutdown): a clean exit */
	if (ShutdownRequestPending)
		proc_exit(0);
	QueryCancelPending = false;
	CHECK_FOR_INTERRUPTS();
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}

volatile sig_atomic_t HttpRequestRunning = false;

/*
 * SIGTERM: a clean exit between requests (HandleInterrupts); a request
 * running is ended at once, as die() ends a backend's query.
 */
static void
HandleSigterm(SIGNAL_ARGS)
{
	int			save_errno = errno;

	ShutdownRequestPending = true;
	if (HttpRequestRunning)
	{
		ProcDiePending = true;
		InterruptPending = true;
	}
	SetLatch(MyLatch);
	errno = save_errno;
}

/*
 * DdbHttpWorkerMain is an HTTP worker's entry point.
 */
void
DdbHttpWorkerMain(Datum main_arg)
{
	sigjmp_buf	local_sigjmp_buf;
	TimestampTz next_sweep;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, HandleSigterm);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(DdbHttpDatabase, NULL, 0);
	pgstat_report_appname("ddb http");
	/* every name ddb's SQL uses is qualified; nothing else is found */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	RaiseFileLimit();
	OpenListeners();
	MaxConns = DdbHttpMaxConnections;
	Conns = MemoryContextAllocZero(TopMemoryContext, sizeof(HttpConn *) * MaxConns);
	ConnectionsContext = AllocSetContextCreate(TopMemoryContext, "ddb http connections",
											   ALLOCSET_DEFAULT_SIZES);
	BuildWaitSet();
	ereport(LOG,
			(errmsg("ddb http: worker listening on \"%s\" port %d for database \"%s\"",
					DdbHttpListenAddresses, DdbHttpPort, DdbHttpDatabase)));

	/* an error that escapes a request: log it, close its connection, go on */
	if (sigsetjmp(local_sigjmp_buf, 1) != 0)
	{
		HOLD_INTERRUPTS();
		HttpRequestRunning = false;
		EmitErrorReport();
		AbortCurrentTransaction();
		FlushErrorState();
		MemoryContextSwitchTo(TopMemoryContext);
		if (CurrentConn != NULL)
			CloseConn(CurrentConn);
		pgstat_report_activity(STATE_IDLE, NULL);
		RESUME_INTERRUPTS();
	}
	PG_exception_stack = &local_sigjmp_buf;

	next_sweep = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 1000);
	for (;;)
	{
		WaitEvent	events[DDB_HTTP_EVENTS];
		int			nevents;
		TimestampTz now;

		MemoryContextSwitchTo(TopMemoryContext);
		HandleInterrupts();
		nevents = WaitEventSetWait(WaitSet, 1000, events, lengthof(events), PG_WAIT_EXTENSION);
		for (int i = 0; i < nevents; i++)
		{
			WaitEvent  *event = &events[i];

			if (event->events & WL_LATCH_SET)
			{
				ResetLatch(MyLatch);
				HandleInterrupts();
			}
			else if (IS_LISTENER_TAG(event->user_data))
				AcceptConnections(event->fd);
			else if (IS_CONN_TAG(event->user_data))
			{
				int			slot = CONN_SLOT(event->user_data);
				HttpConn   *conn = slot < MaxConns ? Conns[slot] : NULL;

				/* an entry of a closed connection reports nothing, but be sure */
				if (conn == NULL || conn->sock != event->fd || conn->event_pos != event->pos)
					continue;
				ServeConn(conn, event->events);
				HandleInterrupts();
			}
		}
		now = GetCurrentTimestamp();
		if (now >= next_sweep)
		{
			CloseTimedOut();
			next_sweep = TimestampTzPlusMilliseconds(now, 1000);
		}
	}
}

/*
 * DdbHttpInit registers the HTTP workers when the library is preloaded,
 * the endpoint is on (ddb.http_port not 0) and the server is not in binary
 * upgrade mode.
 */
void
DdbHttpInit(void)
{
	BackgroundWorker worker;

	if (!process_shared_preload_libraries_in_progress || IsBinaryUpgrade)
		return;
	if (DdbHttpPort == 0 || DdbHttpWorkers == 0)
		return;
	for (int i = 0; i < DdbHttpWorkers; i++)
	{
		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = 5;
		snprintf(worker.bgw_library_name, BGW_MAXLEN, "ddb");
		snprintf(worker.bgw_function_name, BGW_MAXLEN, "DdbHttpWorkerMain");
		snprintf(worker.bgw_name, BGW_MAXLEN, "ddb http worker %d", i + 1);
		snprintf(worker.bgw_type, BGW_MAXLEN, "ddb http");
		worker.bgw_main_arg = Int32GetDatum(i);
		RegisterBackgroundWorker(&worker);
	}
}
