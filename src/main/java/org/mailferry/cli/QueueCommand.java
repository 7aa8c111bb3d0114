package org.mailferry.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailferry.admin.AdminToken;
import org.mailferry.admin.MessageStatus;
import org.mailferry.config.Config;
import org.mailferry.delivery.QueueControl;
import org.mailferry.message.Attempt;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.notify.EventListener;
import org.mailferry.queue.Storage;
import org.mailferry.queue.QueueAccess;
import org.mailferry.queue.SpoolLock;

/**
 * {@code mailferry queue [list|show|flush|hold|release|delete]} and {@code mailferry status}.
 * Reading (list, show, status) uses the spool files directly (or the database: every node's
 * messages, and a summary of the nodes' leases, route counters and webhooks after the list). Changing: when no daemon holds the
 * spool lock, the command takes the lock and changes the files itself (the daemon sees the change
 * when it starts; webhooks are stored for it to send); when a daemon runs, the command asks its
 * admin API, so the running scheduler applies the change under its own claims.
 */
public final class QueueCommand {
    static final int NOT_FOUND = 1;
    static final int EX_USAGE = 64;
    static final int EX_UNAVAILABLE = 69;
    static final int EX_TEMPFAIL = 75;
    static final int EX_NOPERM = 77;

    /** Makes the event listener used when the daemon is down (the webhook outbox). */
    @FunctionalInterface
    public interface OfflineEvents {
        EventListener open() throws IOException;
    }

    private final Config config;
    private final Storage spool;
    private final OfflineEvents offline;
    private final QueueAccess access;
    private final PrintStream out;
    private final PrintStream err;

    public QueueCommand(Config config, Storage spool, OfflineEvents offline, QueueAccess access, PrintStream out,
                        PrintStream err) {
        this.config = config;
        this.spool = spool;
        this.offline = offline;
        this.access = access;
        this.out = out;
        this.err = err;
    }

    public int run(List<String> args) throws IOException {
        String sub = args.isEmpty() ? "list" : args.get(0);
        String arg = args.size() > 1 ? args.get(1) : null;
        if (args.size() > 2 || (arg == null && List.of("show", "hold", "release", "delete").contains(sub))) {
            return usage("'queue " + sub + "' takes " + (sub.equals("delete") ? "a queue id or --all-failed"
                    : "one queue id"));
        }
        switch (sub) {
            case "list" -> {
                QueueListing.print(spool, config.queue().spool().resolve("maildrop"), out, ZoneId.systemDefault());
                spool.clusterSummary().forEach(out::println); // the database's view: every node
                return 0;
            }
            case "show" -> {
                return show(arg);
            }
            case "flush", "hold", "release", "delete" -> {
                if (arg != null && !QueueId.isValid(arg) && !(sub.equals("delete") && arg.equals("--all-failed"))) {
                    return usage("'" + arg + "' is not a queue id (12 characters, as mailq shows them)");
                }
                return change(sub, arg);
            }
            default -> {
                return usage("unknown queue command '" + sub + "'");
            }
        }
    }

    private int usage(String why) {
        err.println("mailferry: " + why);
        err.println("usage: mailferry queue [list | show ID | flush [ID] | hold ID | release ID | "
                + "delete ID | delete --all-failed]");
        return EX_USAGE;
    }

    /** {@code mailferry status ID|MESSAGE-ID}: the message's status as JSON. */
    public static int status(Storage spool, List<String> args, PrintStream out, PrintStream err)
            throws IOException {
        if (args.size() != 1) {
            err.println("mailferry: usage: mailferry status QUEUE-ID|MESSAGE-ID");
            return EX_USAGE;
        }
        MessageStatus s = MessageStatus.find(spool, args.get(0));
        if (s == null) {
            err.println("mailferry: no message " + args.get(0) + " in the queue or its history");
            return NOT_FOUND;
        }
        out.println(s.json());
        return 0;
    }

    private int show(String idOrMessageId) throws IOException {
        MessageStatus s = MessageStatus.find(spool, idOrMessageId);
        if (s == null) {
            err.println("mailferry: no message " + idOrMessageId + " in the queue or its history");
            return NOT_FOUND;
        }
        Envelope e = s.envelope();
        out.println("queue id:   " + e.id());
        out.println("state:      " + s.state());
        out.println("message id: " + (s.messageId() == null ? "(none)" : s.messageId()));
        out.println("sender:     " + e.sender());
        if (s.sentAs() != null) {
            out.println("sent as:    <" + s.sentAs() + "> (the last attempt's sender after rewriting)");
        }
        out.println("arrival:    " + e.arrival());
        out.println("size:       " + e.sizeBytes());
        out.println("attempts:   " + e.attempts() + (s.finished() ? "" : ", next " + e.nextAttempt()));
        out.println("recipients:");
        for (Recipient r : e.recipients()) {
            out.println("  " + r.address() + " " + r.state().name().toLowerCase(Locale.ROOT)
                    + (r.lastReply().isEmpty() ? "" : " (" + r.lastReply() + ")"));
        }
        out.println("headers:");
        for (String line : new String(spool.headers(e.id()), StandardCharsets.UTF_8).split("\r?\n")) {
            if (!line.isEmpty()) {
                out.println("  " + line);
            }
        }
        out.println("history:");
        for (Attempt a : e.history()) {
            out.println("  " + a.time() + " " + a.recipient() + " " + a.outcome());
        }
        return 0;
    }

    private int change(String sub, String arg) throws IOException {
        String user = System.getProperty("user.name");
        if (!access.mayChange(user)) {
            return notPermitted(sub, user);
        }
        try (SpoolLock lock = SpoolLock.tryAcquire(config.queue().spool())) {
            if (lock != null) {
                return direct(sub, arg);
            }
        } catch (java.nio.file.AccessDeniedException e) {
            // an admin.group member: not the files' owner, so only through a running daemon
            if (!SpoolLock.isHeld(config.queue().spool())) {
                err.println("mailferry: queue " + sub + ": the daemon is not running, and with it stopped only root "
                        + "and the spool's owner may change the queue's files; start it (systemctl start mailferry)");
                return EX_UNAVAILABLE;
            }
        }
        InetSocketAddress admin = SpoolLock.adminAddress(config.queue().spool());
        if (admin == null) {
            err.println("mailferry: a daemon runs on " + config.queue().spool() + " with admin.listen = \"off\"; "
                    + "queue changes go through its admin API: set admin.listen and restart it, or stop it first");
            return EX_UNAVAILABLE;
        }
        return viaApi(admin, sub, arg);
    }

    private int direct(String sub, String arg) throws IOException {
        QueueControl control = new QueueControl(spool, spool.leases(), offline.open(), Clock.systemUTC(), Duration.ZERO);
        if (arg == null || arg.equals("--all-failed")) {
            int n = sub.equals("flush") ? control.flushAll() : control.deleteAllFailed();
            out.println((sub.equals("flush") ? "flushed " : "deleted ") + n + " message(s)");
            return 0;
        }
        QueueId id = new QueueId(arg);
        QueueControl.Result r = switch (sub) {
            case "flush" -> control.flush(id);
            case "hold" -> control.hold(id);
            case "release" -> control.release(id);
            default -> control.delete(id);
        };
        (r.status() == QueueControl.Result.Status.DONE ? out : err).println(
                r.status() == QueueControl.Result.Status.DONE ? r.text() : "mailferry: " + r.text());
        return switch (r.status()) {
            case DONE -> 0;
            case NOT_FOUND -> NOT_FOUND;
            case BUSY -> EX_TEMPFAIL;
        };
    }

    private int notPermitted(String sub, String user) {
        err.println("mailferry: queue " + sub + ": only " + access.operators() + " may hold, release, flush or "
                + "delete messages; you are " + user);
        return EX_NOPERM;
    }

    private int viaApi(InetSocketAddress admin, String sub, String arg) throws IOException {
        String token;
        try {
            token = AdminToken.read(config.queue().spool());
        } catch (java.nio.file.AccessDeniedException e) {
            return notPermitted(sub, System.getProperty("user.name"));
        } catch (java.nio.file.NoSuchFileException e) {
            err.println("mailferry: the daemon holds the spool lock but has not written " + e.getFile()
                    + "; is it starting? try again");
            return EX_TEMPFAIL;
        }
        String path = arg == null ? "/queue/flush" : arg.equals("--all-failed") ? "/queue/delete-failed"
                : "/messages/" + arg + "/" + sub;
        AdminEndpoint endpoint = new AdminEndpoint(admin, SpoolLock.adminTlsCert(config.queue().spool()));
        URI uri = endpoint.uri(path);
        HttpResponse<String> r;
        HttpClient client;
        try {
            client = endpoint.client();
        } catch (IllegalStateException e) {
            err.println("mailferry: queue " + sub + ": " + e.getMessage());
            return EX_NOPERM;
        }
        try (HttpClient http = client) {
            r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            err.println("mailferry: the daemon holds the spool lock but its admin API at " + uri.getAuthority()
                    + " does not answer; is it starting or stopping? try again");
            return EX_TEMPFAIL;
        } catch (javax.net.ssl.SSLException e) {
            Throwable why = e;
            while (why.getCause() != null) {
                why = why.getCause();
            }
            err.println("mailferry: queue " + sub + ": no TLS session with the admin API at " + uri.getAuthority()
                    + ": " + why.getMessage());
            return EX_UNAVAILABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EX_TEMPFAIL;
        }
        String text = firstValue(r.body());
        switch (r.statusCode()) {
            case 200 -> {
                out.println(arg == null ? "flushed " + text + " message(s)"
                        : arg.equals("--all-failed") ? "deleted " + text + " message(s)" : text);
                return 0;
            }
            case 404 -> {
                err.println("mailferry: " + text);
                return NOT_FOUND;
            }
            case 409 -> {
                err.println("mailferry: " + text);
                return EX_TEMPFAIL;
            }
            case 401 -> {
                err.println("mailferry: the admin API refused the token in " + AdminToken.of(config.queue().spool())
                        + " (did the daemon restart meanwhile? try again): " + text);
                return EX_NOPERM;
            }
            default -> {
                err.println("mailferry: the admin API answered " + r.statusCode() + ": " + text);
                return EX_UNAVAILABLE;
            }
        }
    }

    private static final Pattern FIRST_VALUE = Pattern.compile("^\\{\"\\w+\":\"?([^\"}]*)");

    /** The first value of the admin API's one-field JSON answers. */
    static String firstValue(String json) {
        Matcher m = FIRST_VALUE.matcher(json);
        return m.find() ? m.group(1) : json;
    }
}
