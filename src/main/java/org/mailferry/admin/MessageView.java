package org.mailferry.admin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailferry.message.Attempt;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.notify.Json;
import org.mailferry.notify.Webhooks;
import org.mailferry.queue.History;
import org.mailferry.queue.Spool;

/**
 * One message for the console: the envelope, the header block (not the body: {@link #body} on
 * request), every attempt with its reply and relay, the events timeline and the webhooks' answers
 * (from {@link ConsoleEvents}, since the start), and the DSNs it caused (from its history).
 */
final class MessageView {
    /** How much of a body the console shows. */
    static final int BODY_LIMIT = 64 * 1024;
    private static final Pattern NOTICE = Pattern.compile("queued as ([0-9A-Z]+)");

    private MessageView() {
    }

    /** The message's JSON, or null when it is neither queued nor in the history. */
    static String json(History history, ConsoleEvents events, QueueId id) throws IOException {
        Envelope e = history.find(id);
        if (e == null) {
            return null;
        }
        byte[] headers = history.headers(id);
        List<String> rcpts = new ArrayList<>();
        for (Recipient r : e.recipients()) {
            rcpts.add(Json.object().field("recipient", r.address().value())
                    .field("state", r.state().name().toLowerCase(Locale.ROOT)).field("last_reply", r.lastReply())
                    .field("notify", r.dsnNotify()).field("orcpt", r.orcpt()).end());
        }
        List<String> attempts = new ArrayList<>();
        List<String> dsns = new ArrayList<>();
        for (Attempt a : e.history()) {
            if (a.recipient().equals("*")) {
                Matcher m = NOTICE.matcher(a.outcome());
                dsns.add(Json.object().field("time", a.time()).field("text", a.outcome())
                        .field("notice_id", m.find() ? m.group(1) : null).end());
            } else {
                attempts.add(Json.object().field("time", a.time()).field("recipient", a.recipient())
                        .field("relay", QueueRows.relayOf(a.outcome())).field("outcome", a.outcome()).end());
            }
        }
        List<String> timeline = events.of(id).stream().map(ConsoleEvents.Shown::json).toList();
        List<String> hooks = new ArrayList<>();
        for (Webhooks.Answer a : events.webhooksOf(id)) {
            hooks.add(Json.object().field("time", a.time()).field("event", a.event()).field("event_id", a.eventId())
                    .field("url", a.url().toString()).field("attempt", a.attempt())
                    .field("answer", a.failure() == null ? "2xx" : a.failure())
                    .field("given_up", a.givenUp() ? "yes" : "no").end());
        }
        String state = e.isFinished() ? "finished" : QueueRows.row(e).state();
        return Json.object().field("id", e.id().value()).field("state", state)
                .field("sender", e.sender().value()).field("arrival", e.arrival()).field("size", e.sizeBytes())
                .field("body_type", e.bodyType()).field("smtputf8", e.smtpUtf8() ? "yes" : "no")
                .field("envid", e.envId()).field("ret", e.ret()).field("client", e.client())
                .field("attempt_count", e.attempts())
                .field("next_attempt", e.isFinished() ? null : e.nextAttempt().toString())
                .field("headers", new String(headers, StandardCharsets.UTF_8))
                .array("recipients", rcpts).array("attempts", attempts).array("dsns", dsns)
                .array("events", timeline).array("webhooks", hooks).end();
    }

    /** The first {@link #BODY_LIMIT} bytes of a queued message's body, as text; null when not queued. */
    static String body(Spool spool, QueueId id) throws IOException {
        byte[] b;
        try (InputStream in = spool.openBody(id)) {
            b = in.readNBytes(BODY_LIMIT + 1);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        boolean cut = b.length > BODY_LIMIT;
        String text = new String(b, 0, Math.min(b.length, BODY_LIMIT), StandardCharsets.UTF_8);
        return Json.object().field("body", text).field("truncated", cut ? "yes" : "no").end();
    }
}
