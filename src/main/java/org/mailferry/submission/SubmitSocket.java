package org.mailferry.submission;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.mailferry.config.Config;
import org.mailferry.message.QueueId;
import org.mailferry.queue.QueueAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's end of the sendmail command: a Unix domain socket (SPOOL/public/submit.sock,
 * mode 0666) taking one request per connection, like Postfix's public/ services.
 * <pre>
 *   SUBMIT\n + a {@link Drop}   → "ok QUEUEID\n" once fsynced, "temp TEXT\n" or "fail TEXT\n"
 *   SEND\n + argv, config ...   → the native client's request: {@link SendRequest}
 *   LIST\n                      → the mailq listing, then end of stream
 *   FLUSH\n                     → "ok\n" after every queued message is made due
 *   RELOAD\n                    → "ok TEXT\n" once the configuration is read again and applied,
 *                                 "fail TEXT\n" when it was refused (the old one stays)
 * </pre>
 * The submitting user is read from the kernel (SO_PEERCRED), not from the request. Each user's
 * connections are bounded ({@link SubmitSlots}: sendmail.max_connections_per_user, and
 * sendmail.max_connections for all but root); beyond, the daemon answers "temp TEXT\n" at once and
 * closes, and the clients use the maildrop. A request must be done within sendmail.request_timeout
 * (the native client reads a slow standard input meanwhile; past the deadline the daemon closes
 * the connection and the client hands its copy of the input to the Java command). A message is
 * streamed to the spool, never held whole: what a connection holds in memory is bounded by the
 * request's small fields and the spool's receiving buffer.
 * LIST is for admin.mailq_users, FLUSH and RELOAD for the queue's operators ({@link QueueAccess}); anyone
 * else gets "denied TEXT\n" and a log line.
 */
public final class SubmitSocket implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.submit");
    private static final int BUFFER_BYTES = 8192;

    /** Writes the queue listing (mailq). */
    public interface Listing {
        void print(PrintStream out) throws IOException;
    }

    /** Makes every queued message due now (sendmail -q). */
    public interface Flush {
        int flushAll() throws IOException;
    }

    /** Reads the daemon's configuration again and applies it (mailferry reload); returns the reply line. */
    public interface Reload {
        String reload();
    }

    /**
     * The sendmail command's sending path for a SEND request (cli/SendmailInDaemon, wired in
     * Mailferry: this package does not depend on cli). {@code queue} commits a composed message.
     */
    public interface Send {
        SendRequest.Answer start(SendRequest request, String user, Queue queue);
    }

    /** Commits a message from the local user durably, its body read to the end; returns its queue id. */
    public interface Queue {
        QueueId submit(Drop.Head head, InputStream body) throws IOException, LocalSubmission.RefusedException;
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final LocalSubmission local;
    private final Listing listing;
    private final Flush flush;
    private final Reload reload;
    private final Send sending;
    private final java.time.Duration deadline;
    private final SubmitSlots slots;
    private final QueueAccess access;

    private SubmitSocket(Path path, ServerSocketChannel server, LocalSubmission local, Listing listing,
                         Flush flush, Reload reload, Send sending, Config.Sendmail limits, QueueAccess access) {
        this.deadline = limits.requestTimeout();
        this.slots = new SubmitSlots(limits.maxConnections(), limits.maxConnectionsPerUser(), System::nanoTime);
        this.access = access;
        this.path = path;
        this.server = server;
        this.local = local;
        this.listing = listing;
        this.flush = flush;
        this.reload = reload;
        this.sending = sending;
    }

    /** The socket's place under a spool directory. */
    public static Path pathIn(Path spool) {
        return spool.resolve("public").resolve("submit.sock");
    }

    /** Binds the socket (replacing a stale one left by a crash) and starts accepting. */
    public static SubmitSocket start(Path path, LocalSubmission local, Listing listing, Flush flush, Reload reload,
                                     Send sending, Config.Sendmail limits, QueueAccess access) throws IOException {
        Files.createDirectories(path.getParent());
        if (Files.exists(path)) {
            if (listening(path)) {
                throw new IOException(path + " is in use: another Mailferry daemon runs on this spool; stop it first");
            }
            Files.delete(path); // nobody listens: left over from a crash
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path), 64);
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (UnsupportedOperationException | IOException e) {
            log.warn("cannot make {} writable for all users: {}", path, e.toString());
        }
        SubmitSocket s = new SubmitSocket(path, server, local, listing, flush, reload, sending, limits, access);
        Thread.ofPlatform().name("submit-accept").daemon(true).start(s::acceptLoop);
        log.info("sendmail submissions on {}", path);
        return s;
    }

    private static boolean listening(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                String user = slots.admit(ch);
                if (user == null) {
                    continue;
                }
                Thread.ofVirtual().name("submit").start(() -> {
                    try {
                        serve(ch, user);
                    } finally {
                        slots.give(user);
                    }
                });
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.warn("accept on {} failed: {}", path, e.toString());
                }
            }
        }
    }

    /** Connections being served now (tests). */
    int connections() {
        return slots.held();
    }

    private void serve(SocketChannel ch, String user) {
        Thread guard = Thread.ofVirtual().name("submit-deadline").start(() -> {
            try {
                Thread.sleep(deadline);
                log.warn("sendmail submission still open after {}: closing it", deadline);
                ch.close();
            } catch (InterruptedException done) {
                // the request ended in time
            } catch (IOException ignored) {
                // closed anyway
            }
        });
        try (ch) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch), BUFFER_BYTES);
            OutputStream out = Channels.newOutputStream(ch);
            String verb = Drop.line(in);
            switch (verb == null ? "" : verb) {
                case "SUBMIT" -> out.write(submit(in, user).getBytes(StandardCharsets.UTF_8));
                case "SEND" -> out.write(send(in, out, user).bytes());
                case "LIST", "FLUSH", "RELOAD" -> {
                    if (!(verb.equals("LIST") ? access.mayList(user) : access.mayChange(user))) {
                        out.write(denied(verb, user).getBytes(StandardCharsets.UTF_8));
                    } else if (verb.equals("RELOAD")) {
                        log.info("reload asked by local user {}", user);
                        out.write((reload.reload().replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
                    } else if (verb.equals("LIST")) {
                        PrintStream ps = new PrintStream(out, false, StandardCharsets.UTF_8);
                        listing.print(ps);
                        ps.flush();
                    } else {
                        flush.flushAll();
                        out.write("ok\n".getBytes(StandardCharsets.US_ASCII));
                    }
                }
                default -> out.write("fail unknown request\n".getBytes(StandardCharsets.US_ASCII));
            }
        } catch (IOException | Drop.MalformedException e) {
            log.info("sendmail submission ended: {}", e.toString());
        } catch (RuntimeException e) {
            log.error("sendmail submission failed", e);
        } finally {
            guard.interrupt();
        }
    }

    private String denied(String verb, String user) {
        String what = switch (verb) {
            case "LIST" -> "list the queue (mailq)";
            case "RELOAD" -> "reload the configuration";
            default -> "flush the queue";
        };
        String who = verb.equals("LIST") ? "admin.mailq_users and " + access.operators() : access.operators();
        log.warn("local user {} may not {}: refused", user, what);
        return "denied only " + who + " may " + what + "; you are " + user + "\n";
    }

    private String submit(InputStream in, String user) throws IOException {
        Drop.Head head;
        try {
            head = Drop.readHead(in);
        } catch (Drop.MalformedException e) {
            return "fail malformed request: " + e.getMessage() + "\n";
        }
        if (head.bodyLength() > local.maxMessageSizeBytes()) {
            return "fail " + new Drop.TooBigException(head.bodyLength(), local.maxMessageSizeBytes()).getMessage() + "\n";
        }
        try {
            BoundedInput body = new BoundedInput(in, head.bodyLength());
            QueueId id = queue(head, body, user, body::complete);
            return "ok " + id + "\n";
        } catch (LocalSubmission.RefusedException e) {
            return "fail " + e.getMessage() + "\n";
        } catch (Drop.MalformedException e) {
            return "fail malformed request: " + e.getMessage() + "\n";
        } catch (IOException e) {
            return "temp local error in processing, try again later\n";
        }
    }

    /** Both ways in: commits (the size limit of the SMTP listener applies while streaming), and logs. */
    private QueueId queue(Drop.Head head, InputStream body, String user, LocalSubmission.Check complete)
            throws IOException, LocalSubmission.RefusedException, Drop.MalformedException {
        try {
            QueueId id = local.submit(head, body, user, complete);
            log.info("{}: from=<{}>, local user {}, nrcpt={} (sendmail)", id, head.sender(), user,
                    head.recipients().size());
            return id;
        } catch (Drop.MalformedException | LocalSubmission.RefusedException e) {
            throw e;
        } catch (IOException e) {
            log.error("spool: cannot queue a sendmail submission from {}: {}", user, e.toString());
            throw e;
        }
    }

    /** SEND: the command line first; the message only if the command line is one for this path. */
    private SendRequest.Answer send(InputStream in, OutputStream out, String user) throws IOException {
        SendRequest.Answer a;
        try {
            SendRequest request = SendRequest.read(in);
            BoundedInput[] message = new BoundedInput[1];
            a = user.equals("unknown") ? new SendRequest.Jvm("the peer's user is unknown")
                    : sending.start(request, user, (head, body) -> {
                        try {
                            return queue(head, body, user, () -> {
                                message[0].transferTo(OutputStream.nullOutputStream()); // what follows a lone dot
                                message[0].complete(); // the client sent all it announced: not cut short
                            });
                        } catch (Drop.MalformedException e) {
                            throw new IOException(e.getMessage());
                        }
                    });
            if (a instanceof SendRequest.NeedInput more) {
                out.write(more.bytes());
                message[0] = SendRequest.message(in);
                a = more.rest().send(message[0]);
                message[0].transferTo(OutputStream.nullOutputStream());
            }
        } catch (Drop.MalformedException e) {
            a = new SendRequest.Jvm("malformed request: " + e.getMessage());
        } catch (RuntimeException e) {
            log.error("sendmail (native client) from {} failed", user, e);
            a = new SendRequest.Jvm("internal error");
        }
        if (a instanceof SendRequest.Jvm j) {
            log.info("sendmail (native client) from {}: the Java command takes over: {}", user, j.reason());
        }
        return a;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a stale socket is replaced at the next start
        }
    }
}
