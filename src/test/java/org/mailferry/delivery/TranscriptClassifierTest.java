package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mailferry.message.Address;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.Reply;

/**
 * The Classifier's rules that moved out of the SMTP client, the transport, the recorder and the
 * DSN sender: a transaction's replies to one outcome per recipient (scope from the command
 * replied to), what a broken session means for its site, expiry and each recipient's fate.
 */
class TranscriptClassifierTest {
    private static final String RELAY = "smarthost.test[127.0.0.1]:25";
    private static final Address A = new Address("a@example.net");
    private static final Address B = new Address("b@example.net");

    /** Replies as "code" or "-" (not read); rcpt as "code/code" for A and B. */
    @ParameterizedTest(name = "MAIL {0}, RCPT {1}, DATA {2}, dot {3} -> A {4}, B {5}")
    @CsvSource({
            // mail, rcpt A/B, data, end, A,                 B
            "250, 250/250, 354, 250, delivered MESSAGE, delivered MESSAGE",
            "250, 250/550, 354, 250, delivered MESSAGE, permanent RECIPIENT",
            "250, 250/450, 354, 554, permanent MESSAGE, temporary RECIPIENT",
            "250, 250/250, 354, 451, temporary MESSAGE, temporary MESSAGE",
            "250, 450/550, -,   -,   temporary RECIPIENT, permanent RECIPIENT",
            "250, 250/250, 554, -,   permanent MESSAGE, permanent MESSAGE",
            "452, -,       -,   -,   temporary MESSAGE, temporary MESSAGE",
            "550, 250/250, 354, -,   permanent MESSAGE, permanent MESSAGE",
    })
    void transactionRepliesBecomeOneOutcomePerRecipient(String mail, String rcpt, String data, String end,
                                                        String forA, String forB) {
        Map<Address, Reply> replies = new LinkedHashMap<>();
        if (!rcpt.equals("-")) {
            String[] codes = rcpt.split("/");
            replies.put(A, reply(codes[0]));
            replies.put(B, reply(codes[1]));
        }
        Outcomes o = Classifier.outcomes(new Transcript(RELAY, List.of(A, B), null, reply(mail), replies,
                reply(data), reply(end)));
        assertThat(describe(o.byAddress().get(A))).isEqualTo(forA);
        assertThat(describe(o.byAddress().get(B))).isEqualTo(forB);
        assertThat(o.byAddress().keySet()).containsExactly(A, B);
    }

    @Test
    void whatTheSmarthostCannotTakeBouncesTheMessageWithoutSendingIt() {
        Outcomes utf8 = Classifier.outcomes(Transcript.unsendable(RELAY, List.of(A, B),
                new Transcript.Unsendable.NeedsSmtpUtf8()));
        Outcomes big = Classifier.outcomes(Transcript.unsendable(RELAY, List.of(A),
                new Transcript.Unsendable.TooBig(2000, 1000)));
        assertThat(utf8.byAddress().values()).allSatisfy(o -> assertThat(describe(o)).isEqualTo("permanent MESSAGE"))
                .allSatisfy(o -> assertThat(o.status()).isEqualTo(EnhancedStatus.NEEDS_SMTPUTF8));
        assertThat(big.byAddress().get(A).status()).isEqualTo(EnhancedStatus.TOO_BIG);
        assertThat(big.byAddress().get(A).text()).isEqualTo("552 5.3.4 message size 2000 exceeds smarthost limit 1000");
    }

    @Test
    void aRecipientListedTwiceHasOneOutcomeAndAnAcceptanceWins() {
        Outcomes o = Classifier.outcomes(new Transcript(RELAY, List.of(A, A), null, reply("250"),
                Map.of(A, reply("250")), reply("354"), reply("250")));
        assertThat(o.byAddress()).hasSize(1);
        assertThat(describe(o.byAddress().get(A))).isEqualTo("delivered MESSAGE");
    }

    @ParameterizedTest(name = "{0}, reused {1} -> {2}")
    @CsvSource({
            "too slow, true,  SITE_FAILING",
            "timeout,  true,  RETRY_FRESH",
            "closed,   true,  RETRY_FRESH",
            "too slow, false, SITE_FAILING",
            "timeout,  false, SITE_FAILING",
            "closed,   false, DEFERRED",
    })
    void aBrokenSessionIsJudgedByHowItBrokeAndWhetherTheConnectionWasReused(String how, boolean reused,
                                                                           Classifier.Broken expected) {
        IOException e = switch (how) {
            case "too slow" -> Deadline.tooSlow("reply from h", 1000);
            case "timeout" -> new SocketTimeoutException("Read timed out");
            default -> new EOFException();
        };
        assertThat(Classifier.broken(e, reused)).isEqualTo(expected);
    }

    @Test
    void expiryIsDecidedHereAtTheLifetimesEdge() {
        Instant arrival = Instant.parse("2026-12-01T10:00:00Z");
        Duration lifetime = Duration.ofDays(5);
        Instant end = arrival.plus(lifetime);
        assertThat(Classifier.tooOldToTry(arrival, lifetime, end)).isFalse(); // tried once more at the edge
        assertThat(Classifier.expired(arrival, lifetime, end)).isTrue(); // and its temporary failure is final
        assertThat(Classifier.tooOldToTry(arrival, lifetime, end.plusMillis(1))).isTrue();
        assertThat(Classifier.expired(arrival, lifetime, end.minusMillis(1))).isFalse();
    }

    @Test
    void eachRecipientsFate() {
        DeliveryOutcome sent = new DeliveryOutcome.Delivered(RELAY, "250 ok", EnhancedStatus.OK);
        DeliveryOutcome refused = new DeliveryOutcome.PermanentFailure(DeliveryOutcome.Scope.RECIPIENT, RELAY,
                "550 5.1.1 no", new EnhancedStatus(5, 1, 1));
        DeliveryOutcome later = new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.SITE, RELAY, "timeout",
                EnhancedStatus.TEMP_TIMEOUT);
        List<String> fates = new ArrayList<>();
        for (boolean expired : new boolean[] {false, true}) {
            for (DeliveryOutcome o : new DeliveryOutcome[] {sent, refused, later, null}) {
                fates.add(Classifier.fate(o, expired).name());
            }
        }
        assertThat(fates).containsExactly("DELIVERED", "BOUNCED", "DEFERRED", "UNTRIED",
                "DELIVERED", "BOUNCED", "EXPIRED", "EXPIRED");
        assertThat(Classifier.failureStatus(refused)).isEqualTo("5.1.1");
        assertThat(Classifier.failureStatus(later)).isEqualTo("4.4.7");
        assertThat(Classifier.failureStatus(null)).isEqualTo("4.4.7");
    }

    private static Reply reply(String code) {
        if (code.equals("-")) {
            return null;
        }
        int c = Integer.parseInt(code);
        return Reply.of(c, null, c < 400 ? "ok" : "not now");
    }

    private static String describe(DeliveryOutcome o) {
        return switch (o) {
            case DeliveryOutcome.Delivered d -> "delivered MESSAGE";
            case DeliveryOutcome.TemporaryFailure t -> "temporary " + t.scope();
            case DeliveryOutcome.PermanentFailure p -> "permanent " + p.scope();
        };
    }
}
