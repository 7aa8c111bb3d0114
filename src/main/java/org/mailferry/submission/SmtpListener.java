package org.mailferry.submission;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLSocket;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.mailferry.message.Envelope;
import org.mailferry.queue.Spool;
import org.mailferry.smtp.Reply;
import org.mailferry.smtp.SmtpInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP listener: accepts connections and runs one {@link SmtpSession} per connection on a
 * platform thread of its own, taken from a pool that keeps idle threads for a minute (at most
 * smtpd.max_connections are busy: the slots bound them, as Postfix's process limit bounds its smtpd
 * processes). A session blocks on every command it reads; on a platform thread that is one sleep in
 * the kernel, where a virtual thread also parked, woke the JDK's read poller and an idle carrier:
 * 38-41 context switches per message at 4 KiB over one session against 15 (issue 19, bench/README.md).
 * Connections beyond the limit get 421 4.7.0 and are closed; the last slots
 * are kept for clients in smtpd.mynetworks ({@link ConnectionSlots}). Failed AUTH attempts are
 * slowed down per client ({@link AuthFailures}).
 */
public final class SmtpListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.smtpd");

    /** Replaced by a reload; each connection keeps the settings it was accepted with. */
    private volatile SessionSettings settings;
    private final Spool spool;
    private final Consumer<Envelope> queued;
    private final ConnectionSlots slots;
    private final AuthFailures authFailures;
    private Refusals refusals = new Refusals();
    private PasswordChecks passwordChecks;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Map<InetAddress, Integer> perClient = new ConcurrentHashMap<>();
    /** Sessions of clients outside smtpd.mynetworks, the candidates for eviction; guarded by itself. */
    private final Map<Socket, SmtpSession> outsiders = new java.util.HashMap<>();
    /** Evicted connections whose slot went to a newcomer: their end must not release it. Guarded by outsiders. */
    private final Set<Socket> evicted = new java.util.HashSet<>();
    private ServerSocket server;
    private Thread acceptor;
    private final ExecutorService sessions = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("smtpd-", 0).daemon(true).factory());

    public SmtpListener(SessionSettings settings, ConnectionSlots slots, AuthFailures authFailures, Spool spool,
                        Consumer<Envelope> queued) {
        this.settings = settings;
        this.spool = spool;
        this.queued = queued;
        this.slots = slots;
        this.authFailures = authFailures;
    }

    /** Where every session's refusals are logged and counted (the daemon's /metrics); before {@code start}. */
    public SmtpListener reportRefusals(Refusals shared) {
        this.refusals = shared;
        return this;
    }

    /** Where every session hashes AUTH passwords (null: on the session's own thread); before {@code start}. */
    public SmtpListener checkPasswordsOn(PasswordChecks checks) {
        this.passwordChecks = checks;
        return this;
    }

    /**
     * The settings for connections accepted from now on (a reload: mailferry reload, SIGHUP); open
     * sessions finish on the settings they started with.
     */
    public void reconfigure(SessionSettings next) {
        this.settings = next;
    }

    /** Binds and starts accepting; returns the bound address (port 0 picks a free one). */
    public InetSocketAddress start(InetSocketAddress listen) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        InetSocketAddress bindTo = listen.isUnresolved()
                ? new InetSocketAddress(InetAddress.getByName(listen.getHostString()), listen.getPort()) : listen;
        server.bind(bindTo, 256);
        acceptor = Thread.ofPlatform().name("smtpd-accept").daemon(true).start(this::acceptLoop);
        InetSocketAddress bound = (InetSocketAddress) server.getLocalSocketAddress();
        log.info("listening on {}:{}", bound.getAddress().getHostAddress(), bound.getPort());
        return bound;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("accept failed: {}", e.toString());
                }
                continue;
            }
            SessionSettings current = settings;
            boolean trusted = current.policy().mayRelay(s.getInetAddress());
            if (!slots.tryAcquire(trusted) && !(trusted && evictIdleOutsider(s.getInetAddress()))) {
                if (!trusted && slots.reserved() > 0 && slots.tryAcquire(true)) {
                    slots.release(); // only the reserved slots are free
                    log.warn("[{}]: connection refused: the other slots are reserved for smtpd.mynetworks "
                            + "(smtpd.mynetworks_reserved_connections {})", s.getInetAddress().getHostAddress(),
                            slots.reserved());
                }
                Thread.ofVirtual().start(() -> refuse(s));
                continue;
            }
            if (!countClient(current, s.getInetAddress())) {
                slots.release();
                log.warn("[{}]: too many connections from this address", s.getInetAddress().getHostAddress());
                Thread.ofVirtual().start(() -> refuse(s));
                continue;
            }
            open.add(s);
            try {
                // the greeting from here, while a session thread wakes for the client's first
                // command: a fresh connection's send buffer is empty, so the write does not block
                s.setTcpNoDelay(true);
                s.getOutputStream().write(Replies.greeting(current.hostname()).wire());
                sessions.execute(() -> serve(s, current));
            } catch (IOException e) { // the client left already
                log.info("connection from [{}] ended before the greeting: {}", s.getInetAddress().getHostAddress(),
                        e.toString());
                dropUnserved(s, current);
            } catch (RejectedExecutionException e) { // closing
                dropUnserved(s, current);
            }
        }
    }

    /**
     * One address outside smtpd.mynetworks may hold at most smtpd.max_connections_per_client
     * connections, so a few slow or hostile clients cannot take every slot (Postfix's
     * smtpd_client_connection_count_limit, with mynetworks exempt as there).
     */
    private boolean countClient(SessionSettings settings, InetAddress a) {
        if (settings.policy().mayRelay(a)) {
            return true;
        }
        boolean[] ok = {true};
        perClient.compute(a, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= settings.maxConnectionsPerClient()) {
                ok[0] = false;
                return n;
            }
            return now + 1;
        });
        return ok[0];
    }

    private void uncountClient(SessionSettings settings, InetAddress a) {
        if (!settings.policy().mayRelay(a)) {
            perClient.computeIfPresent(a, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /**
     * Every slot is taken and a client in smtpd.mynetworks arrives: the outsider idle longest
     * between commands gets 421 4.7.0 and is closed, and its slot passes to the newcomer. False
     * when no outsider is idle (all are mid-command or in DATA: those have their own deadlines).
     */
    private boolean evictIdleOutsider(InetAddress newcomer) {
        Socket victim = null;
        long since = 0;
        synchronized (outsiders) {
            for (Map.Entry<Socket, SmtpSession> e : outsiders.entrySet()) {
                long idle = e.getValue().idleSinceNanos();
                if (idle != 0 && (victim == null || idle - since < 0)) {
                    victim = e.getKey();
                    since = idle;
                }
            }
            if (victim == null) {
                return false;
            }
            outsiders.remove(victim);
            evicted.add(victim);
        }
        log.warn("[{}]: idle for {} ms with every slot in use; disconnected (421 4.7.0) to serve [{}] in "
                        + "smtpd.mynetworks", victim.getInetAddress().getHostAddress(),
                (System.nanoTime() - since) / 1_000_000, newcomer.getHostAddress());
        Socket closing = victim;
        Thread.ofVirtual().start(() -> refuse(closing, Replies.EVICTED));
        return true;
    }

    private void refuse(Socket s) {
        refuse(s, Replies.TOO_MANY_CONNECTIONS);
    }

    private void refuse(Socket s, Reply reply) {
        try (s) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(reply.wire());
            s.getOutputStream().flush();
        } catch (IOException ignored) {
            // the client is gone already
        }
    }

    private void serve(Socket s, SessionSettings settings) {
        String client = s.getInetAddress().getHostAddress();
        try (s) {
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, settings.idleTimeout().toMillis()));
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 8192);
            SmtpSession session = new SmtpSession(settings, spool, queued, new SmtpInput(s.getInputStream()), out,
                    s.getInetAddress()).greetingSent().limitAuthFailures(authFailures)
                    .checkPasswordsOn(passwordChecks).reportRefusals(refusals);
            if (settings.tls() != null) {
                session.offerStartTls(() -> {
                    SSLSocket tls = (SSLSocket) settings.tls().getSocketFactory().createSocket(s, null, s.getPort(),
                            true);
                    tls.setUseClientMode(false);
                    tls.startHandshake();
                    return new SmtpSession.Streams(new SmtpInput(tls.getInputStream()),
                            new BufferedOutputStream(tls.getOutputStream(), 8192));
                });
            }
            if (!settings.policy().mayRelay(s.getInetAddress())) {
                synchronized (outsiders) {
                    outsiders.put(s, session);
                }
            }
            session.run();
        } catch (SocketTimeoutException e) {
            log.info("timeout after idle wait from [{}]", client);
        } catch (SocketException e) {
            log.debug("connection from [{}] ended: {}", client, e.toString());
        } catch (IOException e) {
            log.info("connection from [{}] ended: {}", client, e.toString());
        } catch (RuntimeException e) {
            log.error("session with [{}] failed", client, e);
        } finally {
            open.remove(s);
            uncountClient(settings, s.getInetAddress());
            synchronized (outsiders) {
                outsiders.remove(s);
                if (!evicted.remove(s)) {
                    slots.release();
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException ignored) {
            // closing
        }
        if (acceptor != null) {
            try {
                acceptor.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Socket s : open) { // after the acceptor: none comes in behind this loop
            closeQuietly(s);
        }
        sessions.shutdown(); // each session ends on its closed socket; idle threads go now
    }

    /** Gives back what an accepted connection held when no session will serve it, and closes it. */
    private void dropUnserved(Socket s, SessionSettings settings) {
        open.remove(s);
        slots.release();
        uncountClient(settings, s.getInetAddress());
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
