package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigLoader;
import org.mailferry.config.RelaySecurity;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.message.Recipient;
import org.mailferry.queue.JournalSpool;
import org.mailferry.queue.Spool;
import org.mailferry.testing.TestSmarthost;

/**
 * The attempt as a list of steps, against a real in-JVM smarthost: a step inserted in the list
 * runs in its place with the session the steps before it opened, a step may narrow the message
 * for those after it, and outcomes come back keyed by recipient. A worker's connection is reused
 * for the next message without opening a session again.
 */
class PipelineTest {
    @TempDir
    Path dir;
    private final TestSmarthost smarthost = new TestSmarthost();
    private JournalSpool spool;
    private Config.Relay relay;
    private Sites sites;

    @BeforeEach
    void setUp() throws Exception {
        relay = ConfigLoader.load(null, Map.of("relay.smarthost", "[127.0.0.1]:" + smarthost.port(),
                "queue.spool", dir.toString(), "smtpd.hostname", "relay.test")).relay();
        spool = new JournalSpool(dir, Clock.systemUTC(), 1 << 20);
        spool.recover();
        sites = new Sites(Clock.systemUTC(), relay.siteBackoffMin(), relay.siteBackoffMax());
    }

    @AfterEach
    void tearDown() {
        spool.close();
        smarthost.close();
    }

    /** The daemon's list, with {@code inserted} just before the transaction. */
    private Pipeline pipeline(Step inserted) {
        ClientSecurity security = ClientSecurity.from(RelaySecurity.DEFAULT, Clock.systemUTC());
        return new Pipeline(List.of(new Reuse(sites), new Route(Router.of(relay), relay),
                new Admission(sites), new Connect(relay.heloName(), SmtpClient.Timeouts.of(relay), security),
                new StartTls(relay.heloName(), security), new Authenticate(security), new SessionOpened(sites),
                inserted, new Transaction(spool)));
    }

    @Test
    void anInsertedStepRunsInItsPlaceAndOutcomesAreKeyedByRecipient() throws Exception {
        smarthost.refuseRecipient("never@example.net", 550, "5.1.1 no such user");
        List<String> seen = new ArrayList<>();
        Pipeline p = pipeline(chain -> {
            seen.add(chain.site() + " open=" + (chain.connection() != null) + " reused=" + chain.reused());
            return chain.proceed();
        });
        Envelope env = queue("never@example.net", "user@example.net");

        Attempted a = p.deliver(env, null);
        try {
            assertThat(seen).containsExactly("127.0.0.1[127.0.0.1]:" + smarthost.port() + " open=true reused=false");
            assertThat(a.outcomes().byAddress().keySet()).containsExactly(new Address("never@example.net"),
                    new Address("user@example.net"));
            assertThat(a.outcomes().byAddress().get(new Address("user@example.net")))
                    .isInstanceOf(DeliveryOutcome.Delivered.class);
            assertThat(a.outcomes().byAddress().get(new Address("never@example.net")))
                    .isInstanceOfSatisfying(DeliveryOutcome.PermanentFailure.class,
                            f -> assertThat(f.scope()).isEqualTo(DeliveryOutcome.Scope.RECIPIENT));
            assertThat(smarthost.take(5, TimeUnit.SECONDS).recipients()).containsExactly("user@example.net");

            // the worker's connection carries the next message: the session steps pass it through
            Attempted again = p.deliver(queue("user@example.net"), a.connection());
            assertThat(again.connection()).isSameAs(a.connection());
            assertThat(seen).containsExactly("127.0.0.1[127.0.0.1]:" + smarthost.port() + " open=true reused=false",
                    "127.0.0.1[127.0.0.1]:" + smarthost.port() + " open=true reused=true");
            assertThat(again.outcomes().byAddress().values()).singleElement()
                    .isInstanceOf(DeliveryOutcome.Delivered.class);
        } finally {
            if (a.connection() != null) {
                a.connection().close();
            }
        }
    }

    @Test
    void aStepMayNarrowTheMessageAndTheRecipientsLeftOutAreNotTried() throws Exception {
        Pipeline p = pipeline(chain -> {
            Envelope env = chain.env();
            List<Recipient> first = List.of(env.pending().get(0));
            return chain.withEnvelope(env.withRecipients(first, List.of())).proceed();
        });
        Envelope env = queue("one@example.net", "two@example.net");

        Attempted a = p.deliver(env, null);
        if (a.connection() != null) {
            a.connection().close();
        }
        assertThat(smarthost.take(5, TimeUnit.SECONDS).recipients()).containsExactly("one@example.net");
        assertThat(a.outcomes().byAddress()).containsOnlyKeys(new Address("one@example.net"));
        Recipient two = env.pending().get(1);
        assertThat(a.outcomes().of(two)).isNull();
        assertThat(Classifier.fate(a.outcomes().of(two), false)).isEqualTo(Classifier.Fate.UNTRIED);
    }

    private Envelope queue(String... recipients) throws Exception {
        byte[] body = "Subject: steps\r\n\r\nHello\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Spool.Incoming in = spool.create()) {
            in.body().write(body);
            List<Recipient> rcpts = new ArrayList<>();
            for (String r : recipients) {
                rcpts.add(Recipient.pending(new Address(r)));
            }
            Envelope e = new Envelope(in.id(), java.time.Instant.now(), new Address("app@example.com"), rcpts,
                    "7BIT", false, body.length, "", "", "[127.0.0.1]", 0, java.time.Instant.now(), false, List.of());
            spool.commit(in, e);
            return e;
        }
    }
}
