package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mailferry.message.Envelope;
import org.mailferry.message.Recipient;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmtpScript;

/** RFC 3461 on our listener: advertised, checked (501 5.5.4), stored in the queue. No smarthost. */
class SmtpSessionDsnTest {
    @TempDir
    Path spool;
    private RelayFixture relay;

    @BeforeEach
    void start() throws Exception {
        relay = new RelayFixture(spool).start();
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    @Test
    void dsnIsAdvertised() throws Exception {
        try (SmtpScript s = SmtpScript.connect(relay.address())) {
            assertThat(s.send("EHLO app.test").lines()).contains("DSN");
        }
    }

    @ParameterizedTest(name = "{0} {1} -> {2} {3}")
    @CsvSource(delimiter = '|', value = {
            "MAIL FROM:<a@example.com> RET=BODY             | -                                  | 501 | 5.5.4",
            "MAIL FROM:<a@example.com> ENVID=a+zz           | -                                  | 501 | 5.5.4",
            "MAIL FROM:<a@example.com> ENVID=a=b            | -                                  | 501 | 5.5.4",
            "MAIL FROM:<a@example.com> RET=HDRS ENVID=x+2By | -                                  | 250 | 2.1.0",
            "MAIL FROM:<a@example.com>                      | RCPT TO:<b@example.net> NOTIFY=NEVER,DELAY | 501 | 5.5.4",
            "MAIL FROM:<a@example.com>                      | RCPT TO:<b@example.net> NOTIFY=SOMETIMES   | 501 | 5.5.4",
            "MAIL FROM:<a@example.com>                      | RCPT TO:<b@example.net> ORCPT=b@example.net | 501 | 5.5.4",
            "MAIL FROM:<a@example.com>                      | RCPT TO:<b@example.net> ORCPT=rfc822;b+4   | 501 | 5.5.4",
            "MAIL FROM:<a@example.com>                      | RCPT TO:<b@example.net> FOO=BAR            | 555 | 5.5.4",
            "MAIL FROM:<a@example.com>                      | RCPT TO:<b@example.net> NOTIFY=delay,success ORCPT=rfc822;b+40example.net | 250 | 2.1.5",
    })
    void parametersAreChecked(String mail, String rcpt, int code, String status) throws Exception {
        try (SmtpScript s = SmtpScript.connect(relay.address())) {
            s.send("EHLO app.test");
            Reply r = s.send(mail);
            if (!rcpt.equals("-")) {
                assertThat(r.code()).isEqualTo(250);
                r = s.send(rcpt);
            }
            assertThat(r.code()).isEqualTo(code);
            assertThat(r.status()).hasToString(status);
        }
    }

    @Test
    void parametersAreCarriedInTheQueue() throws Exception {
        String id;
        try (SmtpScript s = SmtpScript.connect(relay.address())) {
            s.send("EHLO app.test");
            assertThat(s.send("MAIL FROM:<a@example.com> RET=hdrs ENVID=batch+2042+2Bx").code()).isEqualTo(250);
            assertThat(s.send("RCPT TO:<b@example.net> NOTIFY=FAILURE,SUCCESS ORCPT=rfc822;B+40Example.net")
                    .code()).isEqualTo(250);
            assertThat(s.send("RCPT TO:<c@example.net> NOTIFY=NEVER").code()).isEqualTo(250);
            assertThat(s.send("RCPT TO:<d@example.net>").code()).isEqualTo(250);
            assertThat(s.send("DATA").code()).isEqualTo(354);
            String text = s.send("Subject: x\r\n\r\nbody\r\n.").lines().get(0);
            id = text.substring(text.lastIndexOf(' ') + 1);
        }
        relay.await(DeliveryEvent.Received.class, id, 5, TimeUnit.SECONDS);
        List<Envelope> stored = new ArrayList<>();
        relay.relay().spool().forEach(stored::add); // read back from the envelope file
        Envelope env = stored.get(0);
        assertThat(env.ret()).isEqualTo("HDRS");
        assertThat(env.envId()).isEqualTo("batch 42+x");
        assertThat(env.recipients()).extracting(Recipient::dsnNotify).containsExactly("SUCCESS,FAILURE", "NEVER", "");
        assertThat(env.recipients()).extracting(Recipient::orcpt).containsExactly("rfc822;B@Example.net", "", "");
    }
}
