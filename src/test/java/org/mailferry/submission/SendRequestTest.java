package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SEND request's two phases as the daemon reads them: fields, bounds, and what is refused. */
class SendRequestTest {

    private static String field(String name, String value) {
        return name + " " + value.getBytes(StandardCharsets.UTF_8).length + "\n" + value;
    }

    private static final String BASE = field("config", "") + field("spool", "./var/spool") + field("zone", "3600");

    private static SendRequest read(String fields) throws Exception {
        return SendRequest.read(new ByteArrayInputStream((fields + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsEveryFieldInOrder() throws Exception {
        SendRequest r = read(field("arg", "-t") + field("arg", "Zoë\nBcc: x") + field("arg", "") + field("C", "/c.toml")
                + field("config", "/c.toml") + field("toml", "[queue]\nspool = \"/s\"\n") + field("spool", "/s")
                + field("zone", "-18000"));
        assertThat(r.args()).containsExactly("-t", "Zoë\nBcc: x", "");
        assertThat(r.configOption()).isEqualTo("/c.toml");
        assertThat(r.configName()).isEqualTo("/c.toml");
        assertThat(new String(r.configText(), StandardCharsets.UTF_8)).isEqualTo("[queue]\nspool = \"/s\"\n");
        assertThat(r.spool()).isEqualTo("/s");
        assertThat(r.zoneOffsetSeconds()).isEqualTo(-18000);

        SendRequest none = read(BASE);
        assertThat(none.args()).isEmpty();
        assertThat(none.configOption()).isNull();
        assertThat(none.configText()).isNull();
    }

    @Test
    void refusesWhatIsMalformedOrTooLarge() {
        String manyArgs = field("arg", "x").repeat(SendRequest.MAX_ARGS + 1);
        List<String> bad = List.of(
                "",                                                         // nothing: no config, spool, zone
                field("config", "") + field("spool", "/s"),                 // no zone
                BASE + field("zone", "0"),                                  // twice
                BASE + field("mode", "x"),                                  // unknown field
                field("config", "/c.toml") + field("spool", "/s") + field("zone", "0"), // a name without its text
                BASE.replace("zone 4\n3600", "zone 5\n99999"),              // more than 18 hours
                BASE.replace("zone 4\n3600", "zone 3\nabc"),
                BASE + "arg -1\n",
                BASE + "arg 999999999999\n",
                BASE + "arg 10\nshort",                                     // the stream ends early
                manyArgs + BASE,
                field("arg", "x".repeat(SendRequest.MAX_ARG_BYTES)) + field("arg", "y") + BASE,
                field("toml", "#".repeat(SendRequest.MAX_CONFIG_BYTES + 1)) + BASE,
                "arg\n" + BASE);
        for (String fields : bad) {
            assertThatThrownBy(() -> read(fields)).as(fields.length() > 100 ? fields.substring(0, 100) : fields)
                    .isInstanceOf(Drop.MalformedException.class);
        }
    }

    @Test
    void theMessagePhaseIsBounded() throws Exception {
        InputStream ok = new ByteArrayInputStream("input 5\nhello".getBytes(StandardCharsets.US_ASCII));
        BoundedInput message = SendRequest.message(ok);
        assertThat(message.readAllBytes()).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
        message.complete();
        for (String bad : List.of("input " + (SendRequest.MAX_MESSAGE_BYTES + 1) + "\n", "input 5\nhell", "exit 5\nhello",
                "")) {
            InputStream in = new ByteArrayInputStream(bad.getBytes(StandardCharsets.US_ASCII));
            assertThatThrownBy(() -> {
                BoundedInput m = SendRequest.message(in);
                m.readAllBytes();
                m.complete();
            }).as(bad).isInstanceOf(Drop.MalformedException.class);
        }
    }

    @Test
    void answersAsTheClientReadsThem() {
        assertThat(new String(new SendRequest.Exit(64, "sendmail: é\n").bytes(), StandardCharsets.UTF_8))
                .isEqualTo("exit 64 13\nsendmail: é\n");
        assertThat(new String(new SendRequest.Exit(0, "").bytes(), StandardCharsets.UTF_8)).isEqualTo("exit 0 0\n");
        assertThat(new String(new SendRequest.Jvm("two\nlines").bytes(), StandardCharsets.UTF_8))
                .isEqualTo("jvm two lines\n");
        assertThat(new String(new SendRequest.NeedInput(true, m -> null).bytes(), StandardCharsets.UTF_8))
                .isEqualTo("input 1\n");
        assertThat(new String(new SendRequest.NeedInput(false, m -> null).bytes(), StandardCharsets.UTF_8))
                .isEqualTo("input 0\n");
    }
}
