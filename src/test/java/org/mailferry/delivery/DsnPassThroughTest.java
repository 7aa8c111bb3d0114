package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmtpSink;

/**
 * Interop with Postfix's smtp-sink, which offers DSN and dumps each transaction with the MAIL and
 * RCPT arguments it received (X-Mail-Args, X-Rcpt-Args): our RFC 3461 parameters are passed on
 * unchanged, and no "relayed" notice is made, since the smarthost now owes the reports.
 */
class DsnPassThroughTest {
    @TempDir
    Path dir;

    @Test
    void dsnParametersArePassedOnToASmarthostThatOffersDsn() throws Exception {
        try (SmtpSink sink = new SmtpSink(dir);
             RelayFixture relay = new RelayFixture(dir.resolve("spool")).smarthost(sink.port).start()) {
            String id = BounceTest.submit(relay, "<app@example.com> RET=HDRS ENVID=order+2B42",
                    "<bob@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+40example.net",
                    "<carol@example.net>");
            relay.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);

            List<String> dumps = sink.awaitMessages(1, 10_000);
            assertThat(dumps).hasSize(1);
            String dump = dumps.get(0);
            assertThat(dump).containsPattern("(?m)^X-Mail-Args: <app@example.com>.* RET=HDRS ENVID=order\\+2B42$");
            // smtp-sink shows ORCPT with its xtext decoded: we sent rfc822;Bob+40example.net
            assertThat(dump).containsPattern(
                    "(?m)^X-Rcpt-Args: <bob@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob@example.net$");
            assertThat(dump).containsPattern("(?m)^X-Rcpt-Args: <carol@example.net>$");
            assertThat(relay.eventsOf(DeliveryEvent.Received.class)).hasSize(1); // no "relayed" notice of our own
        }
    }
}
