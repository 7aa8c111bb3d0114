package org.mailferry.delivery;

import java.util.List;
import java.util.regex.Pattern;
import org.mailferry.smtp.Reply;

/**
 * The one table of smarthost replies that mean "your quota is used up" (docs/delivery.md, "Quota
 * replies", has the same rows; ClassifierTest checks them with the providers' real texts). Such a
 * reply is about the route (the smarthost and the login), not the message: {@link Classifier}
 * makes it a deferral, never a bounce, and the runner pauses the whole route until the quota
 * resets ({@link Quotas#pause}), instead of every queued message trying, failing and backing off
 * on its own. First matching row wins.
 */
final class QuotaReplies {
    /** When a quota used up by a reply resets. */
    enum Reset {
        /** A rate limit: at the start of the next minute. */
        MINUTE,
        /** A daily cap: at relay.quota_reset_time (UTC) next. */
        DAY
    }

    /**
     * @param name    the row's name, for logs and the docs
     * @param classes reply classes the row applies to (4, 5)
     * @param status  the enhanced status it needs ("x.4.5": either class), or null: any
     * @param text    what the text must contain (case-insensitive regex), or null: anything
     */
    record Row(String name, List<Integer> classes, String status, Pattern text, Reset reset) {
        boolean matches(Reply r) {
            int klass = r.code() / 100;
            if (!classes.contains(klass)) {
                return false;
            }
            if (status != null && (r.status() == null
                    || !(r.status().subject() + "." + r.status().detail()).equals(status.substring(2)))) {
                return false;
            }
            return text == null || text.matcher(String.join(" ", r.lines())).find();
        }
    }

    private static Pattern words(String regex) {
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
    }

    /** In order; docs/delivery.md lists the same. */
    static final List<Row> ROWS = List.of(
            // Microsoft 365 over 10,000 recipients a day: 554 5.2.0 STOREDRV.Submission.Exception:
            // SubmissionQuotaExceededException. A 5xx that only means "not today".
            new Row("Microsoft 365 daily submission quota", List.of(4, 5), null,
                    words("SubmissionQuotaExceeded"), Reset.DAY),
            // Gmail / Workspace: 550 5.4.5 Daily user sending limit exceeded; 550 5.4.5 Daily SMTP relay limit exceeded
            // Amazon SES: 454 Throttling failure: Daily message quota exceeded.
            new Row("daily sending limit", List.of(4, 5), null,
                    words("\\bdaily\\b.*\\b(limit|quota)\\b|\\b(limit|quota)\\b.*\\bdaily\\b"), Reset.DAY),
            // RFC 3463 X.4.5 "mail system congestion": Gmail's code for its caps; never a bounce
            new Row("x.4.5 congestion", List.of(4, 5), "x.4.5", null, Reset.MINUTE),
            // 421 4.7.0 / 451 4.7.1 ... rate limit exceeded; SES: 454 Throttling failure: Maximum sending rate exceeded.
            new Row("rate limit", List.of(4), null,
                    words("rate[ -]?limit|sending rate|throttl|too many messages|message rate"), Reset.MINUTE),
            // Postfix smtpd_client_message_rate_limit (anvil): 450 4.7.1 Error: too much mail from ADDRESS
            new Row("Postfix client message rate limit", List.of(4), null, words("too much mail from"),
                    Reset.MINUTE),
            // Microsoft 365 concurrency: 432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded
            new Row("Microsoft 365 sender thread limit", List.of(4), null, words("thread limit exceeded"),
                    Reset.MINUTE));

    private QuotaReplies() {
    }

    /** The row {@code r} matches, or null: an ordinary reply. */
    static Row match(Reply r) {
        if (r.isPositive() || r.isIntermediate()) {
            return null;
        }
        for (Row row : ROWS) {
            if (row.matches(r)) {
                return row;
            }
        }
        return null;
    }
}
