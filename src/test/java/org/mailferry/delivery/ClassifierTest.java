package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.Reply;

/** The classifier table of docs/delivery.md, row by row. */
class ClassifierTest {

    @ParameterizedTest(name = "{0} {1} at {2} -> {3} {4}")
    @CsvSource({
            // code, enhanced (- none), scope,   outcome,   status
            "250, 2.0.0, MESSAGE,   delivered, 2.0.0",
            "250, -,     MESSAGE,   delivered, 2.0.0",
            "251, 2.1.5, RECIPIENT, delivered, 2.1.5",
            "450, 4.2.1, RECIPIENT, temporary, 4.2.1",
            "451, -,     MESSAGE,   temporary, 4.0.0",
            "421, 4.7.0, MESSAGE,   temporary, 4.7.0",
            "452, 4.5.3, RECIPIENT, temporary, 4.5.3",
            "550, 5.1.1, RECIPIENT, permanent, 5.1.1",
            "554, 5.7.1, RECIPIENT, permanent, 5.7.1",
            "552, 5.3.4, MESSAGE,   permanent, 5.3.4",
            "550, -,     MESSAGE,   permanent, 5.0.0",
            "553, 5.1.3, RECIPIENT, permanent, 5.1.3",
    })
    void replies(int code, String enhanced, DeliveryOutcome.Scope scope, String outcome, String status) {
        Reply reply = Reply.of(code, enhanced.equals("-") ? null : EnhancedStatus.parse(enhanced), "text");
        DeliveryOutcome o = Classifier.classify(reply, scope, "smarthost.test[127.0.0.1]:25");
        assertThat(kind(o)).isEqualTo(outcome);
        assertThat(o.status()).hasToString(status);
        assertThat(o.text()).isEqualTo(reply.oneLine());
        assertThat(o.relay()).isEqualTo("smarthost.test[127.0.0.1]:25");
        if (o instanceof DeliveryOutcome.TemporaryFailure t) {
            assertThat(t.scope()).isEqualTo(scope);
        } else if (o instanceof DeliveryOutcome.PermanentFailure p) {
            assertThat(p.scope()).isEqualTo(scope);
        }
    }

    @ParameterizedTest(name = "session refused with {0} {1} -> temporary {2}")
    @CsvSource({
            "554, 5.7.1, 4.7.1",
            "554, -,     4.0.0",
            "421, 4.3.2, 4.3.2",
            "501, 5.5.4, 4.5.4",
    })
    void refusedSessionIsTemporaryForTheSite(int code, String enhanced, String status) {
        Reply reply = Reply.of(code, enhanced.equals("-") ? null : EnhancedStatus.parse(enhanced), "go away");
        DeliveryOutcome.TemporaryFailure t = Classifier.classifySessionRefused(reply, "h[127.0.0.1]:25");
        assertThat(t.scope()).isEqualTo(DeliveryOutcome.Scope.SITE);
        assertThat(t.status()).hasToString(status);
        assertThat(t.text()).contains(reply.oneLine());
    }

    record Failure(IOException e, String status, String reason) {
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("failures")
    void noReplyIsTemporaryForTheSite(Failure f) {
        DeliveryOutcome.TemporaryFailure t = Classifier.classify(f.e(), "connect to h", "h[127.0.0.1]:25");
        assertThat(t.scope()).isEqualTo(DeliveryOutcome.Scope.SITE);
        assertThat(t.status()).hasToString(f.status());
        assertThat(t.text()).isEqualTo("connect to h: " + f.reason());
    }

    static List<Failure> failures() {
        return List.of(
                new Failure(new ConnectException("Connection refused"), "4.4.1", "Connection refused"),
                new Failure(new SocketTimeoutException("Read timed out"), "4.4.2", "timeout"),
                new Failure(Deadline.tooSlow("reply from h", 1000), "4.4.2",
                        "reply from h not completed within 1000 ms (too slow: the site counts as failing)"),
                new Failure(new UnknownHostException("smtp.invalid"), "4.4.4", "smtp.invalid"),
                new Failure(new SocketException("Connection reset"), "4.4.1", "Connection reset"),
                new Failure(new java.io.EOFException(), "4.4.1", "EOFException"));
    }

    private static String kind(DeliveryOutcome o) {
        return switch (o) {
            case DeliveryOutcome.Delivered d -> "delivered";
            case DeliveryOutcome.TemporaryFailure t -> "temporary";
            case DeliveryOutcome.PermanentFailure p -> "permanent";
        };
    }

    /** Rule 7: no address to connect to. */
    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource({
            "TEMPORARY,    temporary, 4.4.3, SITE",
            "NULL_MX,      permanent, 5.1.10, MESSAGE",
            "NO_SUCH_NAME, temporary, 4.3.5, SITE",
            "NO_ADDRESS,   temporary, 4.3.5, SITE",
    })
    void lookupFailures(LookupFailure.Kind kind, String outcome, String status, DeliveryOutcome.Scope scope) {
        DeliveryOutcome o = Classifier.classify(new LookupFailure(kind, "what the DNS said"));
        assertThat(kind(o)).isEqualTo(outcome);
        assertThat(o.status()).hasToString(status);
        assertThat(o.text()).isEqualTo("what the DNS said");
        assertThat(o.relay()).isEqualTo("none");
        assertThat(o instanceof DeliveryOutcome.TemporaryFailure t ? t.scope()
                : ((DeliveryOutcome.PermanentFailure) o).scope()).isEqualTo(scope);
    }

    /** docs/delivery.md, "Quota replies": the providers' real texts, each a deferral that pauses the route. */
    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "554 | 5.2.0 | STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message. | DAY | 4.2.0",
            "550 | 5.4.5 | Daily user sending limit exceeded. For more information on Gmail sending limits go to https://support.google.com/a/answer/166852 | DAY | 4.4.5",
            "550 | 5.4.5 | Daily SMTP relay limit exceeded for user. For more information on SMTP relay sending limits please contact your administrator | DAY | 4.4.5",
            "454 | -     | Throttling failure: Daily message quota exceeded. | DAY | 4.0.0",
            "451 | 4.4.5 | Mail system congestion, try later | MINUTE | 4.4.5",
            "421 | 4.7.0 | Temporary System Problem. Try again later (rate limit exceeded) | MINUTE | 4.7.0",
            "451 | 4.7.1 | Rate limited, try again later | MINUTE | 4.7.1",
            "454 | -     | Throttling failure: Maximum sending rate exceeded. | MINUTE | 4.0.0",
            "450 | 4.7.1 | Error: too much mail from 127.0.0.1 | MINUTE | 4.7.1",
            "432 | 4.3.2 | STOREDRV.ClientSubmit; sender thread limit exceeded [Hostname=AM0PR01MB1234] | MINUTE | 4.3.2",
    })
    void quotaRepliesDeferAndPauseTheRoute(int code, String enhanced, String text, QuotaReplies.Reset reset,
                                           String status) {
        Reply reply = Reply.of(code, enhanced.equals("-") ? null : EnhancedStatus.parse(enhanced), text);
        DeliveryOutcome o = Classifier.classify(reply, DeliveryOutcome.Scope.MESSAGE, "h[127.0.0.1]:25");
        assertThat(o).isInstanceOf(DeliveryOutcome.TemporaryFailure.class);
        DeliveryOutcome.TemporaryFailure t = (DeliveryOutcome.TemporaryFailure) o;
        assertThat(t.quota()).isNotNull();
        assertThat(t.quota().reset()).isEqualTo(reset);
        assertThat(t.status()).hasToString(status);
        assertThat(t.text()).isEqualTo(reply.oneLine());
        assertThat(Classifier.classifySessionRefused(reply, "h[127.0.0.1]:25").quota()).isEqualTo(t.quota());
    }

    @ParameterizedTest(name = "{0} {1} {2}: not a quota")
    @CsvSource(delimiter = '|', value = {
            "550 | 5.1.1 | The email account that you tried to reach does not exist.",
            "554 | 5.2.252 | SendAsDenied; user@example.com not allowed to send as other@example.com",
            "421 | 4.7.0 | Try again later, closing connection.",
            "550 | 5.7.1 | Message rejected: rate limit policy violation",
            "451 | 4.3.0 | Error: queue file write error",
    })
    void otherRepliesAreNotQuotas(int code, String enhanced, String text) {
        Reply reply = Reply.of(code, EnhancedStatus.parse(enhanced), text);
        DeliveryOutcome o = Classifier.classify(reply, DeliveryOutcome.Scope.RECIPIENT, "h[127.0.0.1]:25");
        if (o instanceof DeliveryOutcome.TemporaryFailure t) {
            assertThat(t.quota()).isNull();
        } else {
            assertThat(o).isInstanceOf(DeliveryOutcome.PermanentFailure.class);
        }
    }
}
