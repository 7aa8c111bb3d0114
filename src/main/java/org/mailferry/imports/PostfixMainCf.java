package org.mailferry.imports;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mailferry.config.AuthinfoEntry;
import org.mailferry.config.Key;
import org.mailferry.config.ConfigException;
import org.mailferry.config.SenderRelayMap;
import org.mailferry.config.Smarthost;
import org.mailferry.imports.MainCf.Parameter;

/**
 * main.cf to Mailferry keys, parameter by parameter in file order; values are expanded
 * ({@code $name}) with main.cf's final values, as Postfix does.
 */
final class PostfixMainCf {
    private final MainCf cf;
    private final Translation t;
    private final Path file;
    private List<String> smarthosts = List.of();

    private PostfixMainCf(Path file, MainCf cf) {
        this.file = file;
        this.cf = cf;
        this.t = new Translation(file.toString());
    }

    static Translation translate(Path file, String text) throws ImportException {
        PostfixMainCf p = new PostfixMainCf(file, MainCf.read(file.toString(), text));
        Parameter relayhost = p.cf.parameter("relayhost");
        if (relayhost != null) {
            p.smarthosts = p.smarthosts(relayhost.directive(), p.cf.value("relayhost"));
        }
        for (Parameter line : p.cf.lines()) {
            p.one(line);
        }
        p.finish(new Directive(file.toString(), 0, "(the file as a whole)"));
        return p.t;
    }

    private void one(Parameter p) throws ImportException {
        Directive d = p.directive();
        String v = cf.expand(p.value(), 0);
        Parameter last = cf.parameter(p.name());
        if (last != null && last != p) {
            t.nothingToDo(d, "set again at line " + last.directive().line() + ", which counts (Postfix takes the "
                    + "last)");
            return;
        }
        switch (p.name()) {
            case "relayhost" -> relayhost(d, v);
            case "smtp_sasl_auth_enable" -> t.nothingToDo(d, yes(v) ? "Mailferry logs in whenever it has "
                    + "credentials for the smarthost (relay.sasl_passwd)" : "AUTH is off: smtp_sasl_password_maps "
                    + "is not carried over");
            case "smtp_sasl_password_maps" -> passwordMaps(d, v);
            case "smtp_sasl_mechanism_filter" -> mechanisms(d, v);
            case "smtp_tls_security_level" -> TlsLevel.translate(t, d, v, yes(cf.value("smtp_tls_wrappermode")));
            case "smtp_tls_wrappermode" -> {
                if (yes(v) && !cf.value("smtp_tls_security_level").equals("none")) {
                    t.set(d, "relay.tls", "tls", "implicit TLS (\"smtps\", port 465)");
                } else {
                    t.nothingToDo(d, "STARTTLS, not implicit TLS: relay.tls keeps its choice");
                }
            }
            case "smtp_tls_CAfile" -> caFile(d, v);
            case "sender_dependent_relayhost_maps" -> senderRelays(d, v);
            case "smtp_sender_dependent_authentication" -> t.setBoolean(d, "relay.sender_dependent_authentication",
                    yes(v), yes(v) ? "credentials are looked up by envelope sender (address, then @domain) in "
                    + "relay.sasl_passwd before the smarthost" : "credentials by smarthost only (the default)");
            case "sender_dependent_default_transport_maps" -> t.notYet(d, "Mailferry chooses a smarthost per "
                    + "sender (relay.sender_relay_map), not a transport", "turn the transports into smarthosts in "
                    + "relay.sender_relay_map");
            case "smtp_generic_maps" -> genericMaps(d, v);
            case "masquerade_domains" -> masqueradeDomains(d, v);
            case "masquerade_classes" -> masqueradeClasses(d, v);
            case "masquerade_exceptions" -> t.setList(d, "rewrite.masquerade_exceptions", words(v).stream()
                    .map(u -> u.toLowerCase(Locale.ROOT)).toList(), "these users keep their domain");
            case "sender_canonical_maps", "canonical_maps", "recipient_canonical_maps" -> t.notTranslated(d,
                    "Mailferry has no canonical maps (rewriting on the way in, for every delivery)", "put the "
                            + "sender lines in the generic map (rewrite.generic_map), which rewrites at delivery");
            case "myorigin" -> {
                String origin = origin(d, v);
                t.set(d, "sendmail.origin_domain", origin, "added to bare names (root) and to the sender the "
                        + "sendmail command makes up" + (v.equals(p.value()) ? "" : "; expanded from " + p.value()));
                t.set(d, "rewrite.masquerade_as", origin, "at delivery, senders at localhost and this host's name "
                        + "(smtpd.hostname, rewrite.local_names) get it too, which Postfix passes as they are; "
                        + "remove this key to keep Postfix's way");
            }
            case "myhostname" -> hostname(d, v, "smtpd.hostname", p.value());
            case "smtp_helo_name" -> hostname(d, v, "relay.helo_name", p.value());
            case "mydomain" -> t.nothingToDo(d, "used where other parameters say $mydomain (expanded in them)");
            case "inet_interfaces" -> Listen.interfaces(t, d, v);
            case "mynetworks" -> Listen.networks(t, d, v);
            case "message_size_limit" -> size(d, v);
            case "maximal_queue_lifetime" -> time(d, v, 'd', "queue.lifetime");
            case "delay_warning_time" -> time(d, v, 'h', "queue.delay_warning");
            case "minimal_backoff_time" -> time(d, v, 's', "queue.retry_min");
            case "maximal_backoff_time" -> time(d, v, 's', "queue.retry_max");
            default -> {
                String[] why = PostfixReasons.PARAMETERS.get(p.name());
                if (why == null) {
                    t.notTranslated(d, p.name() + " has no Mailferry equivalent mailferry import knows",
                            "see what it does in postconf(5) and find the key in docs/configuration.md");
                } else if (why[1].isEmpty()) {
                    t.nothingToDo(d, why[0]);
                } else {
                    t.notTranslated(d, why[0], why[1]);
                }
            }
        }
    }

    private List<String> smarthosts(Directive d, String value) throws ImportException {
        List<String> out = new ArrayList<>();
        for (String spec : value.split("[\\s,]+")) {
            if (spec.isEmpty()) {
                continue;
            }
            try {
                Smarthost.parse(spec);
            } catch (IllegalArgumentException e) {
                throw ImportException.at(d, "relayhost: " + e.getMessage());
            }
            out.add(spec);
        }
        return List.copyOf(out);
    }

    private void relayhost(Directive d, String v) throws ImportException {
        List<String> hosts = smarthosts(d, v);
        if (hosts.isEmpty()) {
            t.notTranslated(d, "an empty relayhost makes Postfix deliver to each domain's MX itself, which Mailferry"
                    + " does not do (it relays everything to one smarthost; messages stay queued until one is set)",
                    "set relay.smarthost to your provider's or relay's submission host, e.g. \"[smtp.example.com]:587\"");
        } else if (hosts.size() == 1) {
            t.set(d, "relay.smarthost", hosts.get(0), TlsNote.of(hosts));
        } else {
            t.setList(d, "relay.smarthost", hosts, "tried in order; " + TlsNote.of(hosts));
        }
    }

    private void passwordMaps(Directive d, String v) throws ImportException {
        if (!yes(cf.value("smtp_sasl_auth_enable"))) {
            t.notTranslated(d, "smtp_sasl_auth_enable is not yes, so Postfix does not log in with these",
                    "set relay.sasl_passwd to the text file if the smarthost needs AUTH");
            return;
        }
        List<String> maps = List.of(v.strip().split("[\\s,]+"));
        Path text = MapFile.postfix(d, maps.get(0));
        List<AuthinfoEntry> entries = Credentials.saslPasswd(d, text);
        t.set(d, "relay.sasl_passwd", text.toString(), "the text file beside the map, read as it is (no postmap); "
                + Credentials.describe(entries, smarthosts) + (maps.size() > 1 ? "; the other maps (" + String.join(
                ", ", maps.subList(1, maps.size())) + ") are not read: merge them into this file" : "")
                + (entries.stream().anyMatch(e -> e.host().contains("@")) ? "; per-sender entries (user@domain, "
                + "@domain) are used " + (yes(cf.value("smtp_sender_dependent_authentication")) ? "first, by envelope "
                + "sender" : "only with smtp_sender_dependent_authentication = yes") : ""));
    }

    /** sender_dependent_relayhost_maps: the text file beside the map, checked as Mailferry reads it. */
    private void senderRelays(Directive d, String v) throws ImportException {
        List<String> maps = List.of(v.strip().split("[\\s,]+"));
        Path text = MapFile.postfix(d, maps.get(0));
        List<SenderRelayMap.Entry> entries;
        try {
            entries = SenderRelayMap.parse(text.toString(), Files.readString(text, StandardCharsets.UTF_8));
        } catch (ConfigException e) {
            throw ImportException.at(d, "sender_dependent_relayhost_maps: " + e.getMessage());
        } catch (IOException e) {
            throw new ImportException(text + ": cannot read it: " + e.getMessage(), ImportException.EX_CONFIG);
        }
        List<String> each = entries.stream().map(e -> e.key() + " via " + (e.smarthosts().isEmpty()
                ? "relay.smarthost" : String.join(", ", e.smarthosts().stream().map(Smarthost::spec).toList())))
                .toList();
        t.set(d, "relay.sender_relay_map", text.toString(), "the text file beside the map, read as it is (no "
                + "postmap): " + String.join("; ", each) + (maps.size() > 1 ? "; the other maps (" + String.join(", ",
                maps.subList(1, maps.size())) + ") are not read: merge them into this file" : ""));
    }

    private void mechanisms(Directive d, String v) {
        List<String> ours = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        for (String m : v.toUpperCase(Locale.ROOT).split("[\\s,]+")) {
            if (m.startsWith("!")) {
                excluded.add(m.substring(1));
            } else if (SendmailMc.isMechanism(m)) {
                ours.add(m);
            }
        }
        if (ours.isEmpty() && !excluded.isEmpty()) {
            for (String m : List.of("OAUTHBEARER", "XOAUTH2", "CRAM-MD5", "PLAIN", "LOGIN")) {
                if (!excluded.contains(m)) {
                    ours.add(m);
                }
            }
        }
        if (ours.isEmpty()) {
            t.notTranslated(d, "none of " + v + " is a mechanism Mailferry uses (OAUTHBEARER, XOAUTH2, CRAM-MD5, "
                    + "PLAIN, LOGIN)", "leave relay.auth_mechanisms at its default");
            return;
        }
        t.setList(d, "relay.auth_mechanisms", ours, "Mailferry uses the first one the smarthost offers, in this order");
    }

    private void caFile(Directive d, String v) {
        if (!Files.isReadable(Path.of(v))) {
            t.notTranslated(d, v + " is not there (or not readable), and relay.ca_file must be", "set relay.ca_file "
                    + "to the PEM file of the CA that signed the smarthost's certificate, if not a public CA");
            return;
        }
        t.set(d, "relay.ca_file", v, "Mailferry trusts only the CAs in this file for the smarthost's certificate");
    }

    private String origin(Directive d, String v) throws ImportException {
        if (!v.startsWith("/")) {
            return v;
        }
        Path f = Path.of(v);
        try {
            String first = Files.readAllLines(f, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(l -> !l.isEmpty()).findFirst().orElse("");
            if (!Key.isDomainName(first)) {
                throw ImportException.at(d, f + ": its first line is not a domain name; write one, e.g. example.com");
            }
            return first;
        } catch (java.nio.file.NoSuchFileException e) {
            throw ImportException.missing(d, f + ": no such file (Postfix takes myorigin from its first line); "
                    + "create it or write the domain in myorigin");
        } catch (IOException e) {
            throw ImportException.at(d, f + ": cannot read it: " + e.getMessage());
        }
    }

    private void hostname(Directive d, String v, String key, String written) throws ImportException {
        if (!Key.isDomainName(v)) {
            throw ImportException.at(d, "'" + v + "' is not a host name; write e.g. mail.example.com");
        }
        t.set(d, key, v, v.equals(written) ? "" : "expanded from " + written);
    }

    private void size(Directive d, String v) throws ImportException {
        if (!v.matches("[0-9]{1,18}")) {
            throw ImportException.at(d, "'" + v + "' is not a whole number of bytes");
        }
        long n = Long.parseLong(v);
        boolean max = n == 0 || n > (1L << 31);
        t.setNumber(d, "smtpd.max_message_size", max ? 1L << 31 : n, max ? (n == 0 ? "0 means no limit in Postfix, "
                + "so" : v + " is more than") + " Mailferry's largest (2GiB)" : "");
    }

    private void time(Directive d, String v, char unit, String key) throws ImportException {
        Long seconds = TimeValue.seconds(v, unit);
        if (seconds == null) {
            throw ImportException.at(d, "'" + v + "' is not a time; write e.g. 5d, 4h or 300s");
        }
        if (seconds == 0 && !key.equals("queue.delay_warning")) {
            t.notTranslated(d, "0 is not a Mailferry " + key + " (it must be longer than 0)", "set " + key
                    + " to a short time, e.g. \"1h\"");
            return;
        }
        t.set(d, key, TimeValue.text(seconds), seconds == 0 ? "0: no delay warnings" : "");
    }

    private static List<String> words(String v) {
        return java.util.Arrays.stream(v.strip().split("[\\s,]+")).filter(w -> !w.isEmpty()).toList();
    }

    private void genericMaps(Directive d, String v) throws ImportException {
        List<String> maps = words(v);
        if (maps.isEmpty()) {
            t.nothingToDo(d, "empty: no generic map");
            return;
        }
        Path text = MapFile.postfix(d, maps.get(0), "the generic map's lines");
        MapFile.checkGeneric(d, text);
        t.set(d, "rewrite.generic_map", text.toString(), "the text file beside the map, read as it is (no postmap)"
                + (maps.size() > 1 ? "; the other maps (" + String.join(", ", maps.subList(1, maps.size()))
                + ") are not read: merge them into this file" : ""));
        t.setList(d, "rewrite.generic_classes", List.of("envelope_sender", "header_sender", "header_recipient"),
                "Postfix maps every address; Mailferry never rewrites envelope recipients");
    }

    private void masqueradeDomains(Directive d, String v) throws ImportException {
        List<String> domains = words(v);
        for (String m : domains) {
            if (!Key.isDomainName(m.replaceFirst("^!+", ""))) {
                throw ImportException.at(d, "masquerade_domains: '" + m + "' is not a domain name (a map or a "
                        + "file here is not read by mailferry import); list the domains");
            }
        }
        t.setList(d, "rewrite.masquerade_domains", domains.stream().map(m -> m.toLowerCase(Locale.ROOT)).toList(),
                "the same rules: first parent wins, !name excludes");
        if (cf.parameter("masquerade_classes") == null) {
            t.setList(d, "rewrite.masquerade_classes", List.of("envelope_sender", "header_sender",
                    "header_recipient"), "Postfix's default masquerade_classes (envelope recipients never)");
        }
    }

    private void masqueradeClasses(Directive d, String v) throws ImportException {
        List<String> ours = new ArrayList<>();
        for (String c : words(v)) {
            switch (c.toLowerCase(Locale.ROOT)) {
                case "envelope_sender", "header_sender", "header_recipient" -> ours.add(c.toLowerCase(Locale.ROOT));
                case "envelope_recipient" -> { }
                default -> throw ImportException.at(d, "masquerade_classes: unknown class '" + c + "'");
            }
        }
        t.setList(d, "rewrite.masquerade_classes", ours, words(v).contains("envelope_recipient")
                ? "envelope_recipient left out: Mailferry never rewrites envelope recipients" : "");
    }

    private void finish(Directive whole) {
        if (cf.parameter("relayhost") == null) {
            t.notTranslated(whole, "no relayhost: Postfix delivers to each domain's MX itself, which Mailferry does "
                    + "not do (it relays everything to one smarthost; messages stay queued until one is set)",
                    "set relay.smarthost to your provider's or relay's submission host, e.g. \"[smtp.example.com]:587\"");
        }
        if (cf.parameter("delay_warning_time") == null) {
            t.set(new Directive(whole.file(), 0, "(Postfix's default) delay_warning_time = 0h"), "queue.delay_warning",
                    "0s", "Postfix sends no delay warnings unless told to; Mailferry's own default is 4h");
        }
    }

    static boolean yes(String v) {
        return v.strip().toLowerCase(Locale.ROOT).equals("yes");
    }
}
