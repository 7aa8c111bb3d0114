package org.mailferry.queue;

import java.io.IOException;
import java.util.List;

/**
 * A storage backend as the daemon and the commands hold it: the queue ({@link Spool}), its
 * {@link History}, and what starting and stopping need. {@link JournalSpool} (files, one node) and
 * {@link PgSpool} (PostgreSQL, shared by several nodes) implement it.
 */
public interface Storage extends Spool, History {
    /** Start-up, before anything else uses the storage; returns how many leftovers were removed. */
    int recover() throws IOException;

    /** Removes incomplete messages {@link #recover} found (in the background); returns how many. */
    int removeOrphanBodies() throws IOException;

    /** The number of queued messages (a database's: every node's), or -1 when it cannot be told. */
    long count();

    /** Who hears of each commit (the daemon's "received" events); set once, before use. */
    void onCommit(CommitListener listener);

    /** How nodes sharing this storage keep out of each other's way ({@link Leases#SOLE}: one node). */
    Leases leases();

    /**
     * Lines on what the nodes sharing this storage are doing (leases, route counters, webhooks
     * waiting), for {@code mailferry queue}; none for one node's spool.
     */
    default List<String> clusterSummary() throws IOException {
        return List.of();
    }

    /** Releases files and connections (the daemon stops). */
    void close();
}
