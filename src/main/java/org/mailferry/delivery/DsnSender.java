package org.mailferry.delivery;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.mailferry.message.Address;
import org.mailferry.message.Attempt;
import org.mailferry.message.Envelope;
import org.mailferry.message.Recipient;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.DsnComposer;
import org.mailferry.notify.DsnComposer.Action;
import org.mailferry.notify.DsnComposer.RecipientReport;
import org.mailferry.queue.Spool;
import org.mailferry.smtp.DsnParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which notice one attempt owes the envelope sender and queues it as a normal message
 * (null sender, through the spool, so it is durable and retried). Rules:
 * <ul>
 *   <li>A null-sender message (itself a notice) never gets one: failures are logged and dropped.</li>
 *   <li>Failed (5xx or expired) recipients are reported unless their NOTIFY lacks FAILURE.</li>
 *   <li>Delivered recipients with NOTIFY=SUCCESS are reported as "relayed" when the smarthost did
 *       not offer DSN (RFC 3461 5.2.2); when it did, the parameters were passed on and it reports.</li>
 *   <li>Once per message, when it is still queued after the delay warning time, pending recipients
 *       are reported as "delayed" unless their NOTIFY lacks DELAY.</li>
 * </ul>
 * One attempt gives at most one notice covering all its recipients. The original comes back whole
 * for failures unless RET=HDRS or it is larger than the bounce size limit; otherwise headers only.
 */
public final class DsnSender {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");
    /** History lines starting with this mark the one delay warning of a message. */
    static final String DELAY_WARNING = "delay warning";

    private final Spool spool;
    private final DsnComposer composer;
    private final Duration delayWarning;
    private final Duration lifetime;
    private final long bounceSizeLimitBytes;

    /** What an attempt produced besides recipient states: notices queued, history, events. */
    public record Result(List<Envelope> queued, List<Attempt> history, List<DeliveryEvent> events) {
        static final Result NONE = new Result(List.of(), List.of(), List.of());
    }

    public DsnSender(Spool spool, DsnComposer composer, Duration delayWarning, Duration lifetime,
                     long bounceSizeLimitBytes) {
        this.spool = spool;
        this.composer = composer;
        this.delayWarning = delayWarning;
        this.lifetime = lifetime;
        this.bounceSizeLimitBytes = bounceSizeLimitBytes;
    }

    /**
     * @param outcomes  the attempt's, by recipient; none when the message expired untried
     * @param updated   every recipient after the attempt, in envelope order
     * @param dsnOffered the smarthost offered DSN, so NOTIFY was passed on
     */
    Result afterAttempt(Envelope env, Outcomes outcomes, List<Recipient> updated,
                               boolean dsnOffered, Instant now) {
        List<RecipientReport> reports = new ArrayList<>();
        List<Recipient> stillPending = new ArrayList<>();
        for (int i = 0; i < env.recipients().size(); i++) {
            Recipient before = env.recipients().get(i);
            if (before.state() != Recipient.State.PENDING) {
                continue;
            }
            DeliveryOutcome o = outcomes.of(before);
            Recipient after = updated.get(i);
            String remote = o == null ? "" : remoteMta(o.relay());
            if (after.state() == Recipient.State.FAILED && DsnParameters.wants(after.dsnNotify(), DsnParameters.FAILURE)) {
                String diagnostic = o != null ? o.text() : before.lastReply().isEmpty() ? after.lastReply()
                        : before.lastReply();
                reports.add(new RecipientReport(after.address(), after.orcpt(), Action.FAILED,
                        Classifier.failureStatus(o), remote, diagnostic, now));
            } else if (after.state() == Recipient.State.DELIVERED && !dsnOffered
                    && DsnParameters.wants(after.dsnNotify(), DsnParameters.SUCCESS)) {
                reports.add(new RecipientReport(after.address(), after.orcpt(), Action.RELAYED, o.status().toString(),
                        remote, o.text(), now));
            } else if (after.state() == Recipient.State.PENDING) {
                stillPending.add(after);
            }
        }
        List<DeliveryEvent> events = new ArrayList<>();
        if (delayWarningDue(env, stillPending, now)) {
            Duration delay = Duration.between(env.arrival(), now);
            DeliveryEvent.Facts facts = DeliveryEvent.Facts.read(spool, env, env.attempts() + 1);
            for (Recipient r : stillPending) {
                events.add(new DeliveryEvent.Delayed(facts, now, r.address(), delay, r.lastReply()));
                if (DsnParameters.wants(r.dsnNotify(), DsnParameters.DELAY)) {
                    reports.add(new RecipientReport(r.address(), r.orcpt(), Action.DELAYED, "4.4.7", "",
                            r.lastReply(), now));
                }
            }
        }
        boolean failed = reports.stream().anyMatch(r -> r.action() == Action.FAILED);
        if (env.sender().isNull()) {
            if (failed) {
                log.warn("{}: undeliverable notice: {}; lost, no notice about a notice (never bounce a bounce)",
                        env.id(), reports.stream().filter(r -> r.action() == Action.FAILED)
                                .map(r -> r.recipient() + " " + r.status() + " " + r.diagnostic()).toList());
            } else if (!events.isEmpty()) {
                log.info("{}: no delay warning for a message from the null sender", env.id());
            }
            return new Result(List.of(), events.isEmpty() ? List.of() : List.of(new Attempt(now, "*",
                    DELAY_WARNING + " not sent: null sender")), events);
        }
        if (reports.isEmpty()) {
            return events.isEmpty() ? Result.NONE : new Result(List.of(), List.of(new Attempt(now, "*",
                    DELAY_WARNING + " not requested (NOTIFY)")), events);
        }
        boolean headersOnly = !failed || env.ret().equals("HDRS") || env.sizeBytes() > bounceSizeLimitBytes
                || refusedForItsContent(reports);
        Envelope notice;
        try {
            notice = queue(env, reports, headersOnly, now);
        } catch (IOException e) {
            log.error("{}: cannot queue the notice to {}: {}", env.id(), env.sender(), e.toString());
            return new Result(List.of(), List.of(), events);
        }
        String kind = failed ? "non-delivery" : events.isEmpty() ? "success" : "delay";
        log.info("{}: sender {} notification: {}", env.id(), kind, notice.id());
        List<Attempt> more = new ArrayList<>();
        more.add(new Attempt(now, "*", (events.isEmpty() ? "" : DELAY_WARNING + "; ") + kind
                + " notice to " + env.sender() + " queued as " + notice.id()));
        return new Result(List.of(notice), more, events);
    }

    /**
     * The message was refused for its size or its content's form (X.3.4 too big for the system, X.2.3
     * over an administrative size limit, X.6.* media: line length, encoding): a copy of it would be
     * refused the same way, so the bounce carries its headers only and still reaches the sender.
     */
    static boolean refusedForItsContent(List<RecipientReport> reports) {
        return reports.stream().filter(r -> r.action() == Action.FAILED).map(RecipientReport::status)
                .anyMatch(s -> s.matches("[45]\\.(3\\.4|2\\.3|6\\.\\d+)"));
    }

    private boolean delayWarningDue(Envelope env, List<Recipient> stillPending, Instant now) {
        return !delayWarning.isZero() && !stillPending.isEmpty()
                && !now.isBefore(env.arrival().plus(delayWarning))
                && env.history().stream().noneMatch(a -> a.outcome().startsWith(DELAY_WARNING));
    }

    private Envelope queue(Envelope env, List<RecipientReport> reports, boolean headersOnly, Instant now)
            throws IOException {
        try (Spool.Incoming incoming = spool.create()) {
            DsnComposer.Notice n = new DsnComposer.Notice(incoming.id(), now, env.id(), env.sender(), env.arrival(),
                    env.envId(), env.arrival().plus(lifetime), env.bodyType().equals("8BITMIME"), reports);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
            try (InputStream original = new BufferedInputStream(spool.openBody(env.id()))) {
                composer.compose(n, original, headersOnly, bytes);
            }
            bytes.writeTo(incoming.body());
            boolean eightBit = false;
            for (byte b : bytes.toByteArray()) {
                eightBit |= b < 0;
            }
            Envelope notice = new Envelope(incoming.id(), now, Address.NULL_SENDER,
                    List.of(Recipient.pending(env.sender())), eightBit ? "8BITMIME" : "7BIT",
                    env.sender().isInternational(), bytes.size(), "", "", "", 0, now, false, List.of());
            spool.commit(incoming, notice);
            return notice;
        }
    }

    /** "host[address]:port" to "host"; "none" (no connection) to empty. */
    static String remoteMta(String relay) {
        int bracket = relay.indexOf('[');
        return relay.equals("none") ? "" : bracket > 0 ? relay.substring(0, bracket) : relay;
    }
}
