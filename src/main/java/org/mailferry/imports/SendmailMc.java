package org.mailferry.imports;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.mailferry.config.AuthinfoEntry;
import org.mailferry.imports.McReader.Call;

/**
 * sendmail.mc to Mailferry keys, directive by directive, in file order (a later define wins, as in
 * m4). The directives of a null client are translated; the rest are reported with the reason.
 */
final class SendmailMc {
    /** m4 logic that only m4 can evaluate: refused, never guessed at. */
    private static final Set<String> M4_LOGIC = Set.of("ifdef", "ifelse", "changequote", "changecom", "esyscmd",
            "syscmd", "eval", "pushdef", "popdef", "indir", "builtin", "m4exit", "translit", "regexp", "patsubst",
            "substr", "incr", "decr", "shift", "defn", "errprint", "m4wrap", "undivert", "traceon", "traceoff");
    private static final Set<String> AUTH_MECHANISMS = Set.of("OAUTHBEARER", "XOAUTH2", "CRAM-MD5", "PLAIN", "LOGIN");

    private final Translation t;
    private final Map<String, String> mailerArgs = new HashMap<>();
    private List<String> smarthosts = List.of();
    private @Nullable Directive authArgs;
    private @Nullable List<AuthinfoEntry> credentials;
    private boolean listening;
    /** The FEATUREs the file names, wherever: masquerading's classes depend on several. */
    private final java.util.Set<String> features = new java.util.HashSet<>();
    private final List<String> localNames = new ArrayList<>();
    private final List<String> exposed = new ArrayList<>();

    private SendmailMc(Translation t) {
        this.t = t;
    }

    static Translation translate(Path file, String text) throws ImportException {
        List<Call> calls = new ArrayList<>();
        expand(file.toString(), text, calls, 0);
        SendmailMc mc = new SendmailMc(new Translation(file.toString()));
        for (Call c : calls) {
            if (c.name().equals("define") && c.arg(0).endsWith("_MAILER_ARGS")) {
                mc.mailerArgs.put(c.arg(0), c.arg(1));
            }
        }
        for (Call c : calls) {
            if (c.name().equals("define") && c.arg(0).strip().equals("SMART_HOST")) {
                mc.smarthosts = mc.smartHost(c.directive(), c.arg(1)).specs();
            } else if (c.name().equals("FEATURE") && c.arg(0).equals("nullclient")) {
                mc.smarthosts = mc.smartHost(c.directive(), c.arg(1)).specs();
            }
        }
        for (Call c : calls) {
            if (c.name().equals("FEATURE")) {
                mc.features.add(c.arg(0));
            } else if (c.name().equals("MASQUERADE_DOMAIN") || c.name().equals("GENERICS_DOMAIN")) {
                mc.localNames.add(c.arg(0).strip());
            } else if (c.name().equals("EXPOSED_USER")) {
                mc.exposed.add(c.arg(0).strip());
            }
        }
        for (Call c : calls) {
            mc.one(c);
        }
        mc.finish(new Directive(file.toString(), 0, "(the file as a whole)"));
        return mc.t;
    }

    /** Reads the calls of a file, and of the files it includes (not sendmail's own cf.m4) after each include. */
    private static void expand(String file, String text, List<Call> out, int depth) throws ImportException {
        for (Call c : McReader.read(file, text)) {
            out.add(c);
            if ((c.name().equals("include") || c.name().equals("sinclude")) && !isSendmailLibrary(c.arg(0))) {
                Path included = Path.of(c.arg(0));
                if (depth > 8) {
                    throw ImportException.at(c.directive(), "includes nest deeper than 8 files; is there a loop?");
                }
                if (!Files.isRegularFile(included)) {
                    if (c.name().equals("sinclude")) {
                        continue;
                    }
                    throw ImportException.missing(c.directive(), included + ": no such file (m4 would stop here "
                            + "too); import on the machine that has it, or remove the include");
                }
                try {
                    expand(included.toString(), Files.readString(included, StandardCharsets.UTF_8), out, depth + 1);
                } catch (IOException e) {
                    throw ImportException.at(c.directive(), included + ": cannot read it: " + e.getMessage());
                }
            }
        }
    }

    private static boolean isSendmailLibrary(String path) {
        return path.endsWith("/cf.m4");
    }

    private void one(Call c) throws ImportException {
        Directive d = c.directive();
        String name = c.name();
        switch (name) {
            case "define" -> Defines.define(this, t, c);
            case "undefine" -> t.nothingToDo(d, c.arg(0) + " goes back to sendmail's default; Mailferry has its own");
            case "FEATURE" -> feature(c);
            case "MASQUERADE_AS" -> masqueradeAs(d, c.arg(0).strip());
            case "MASQUERADE_DOMAIN", "GENERICS_DOMAIN" -> localName(d, c.arg(0).strip());
            case "EXPOSED_USER" -> exposedUser(d);
            case "MASQUERADE_DOMAIN_FILE", "MASQUERADE_EXCEPTION", "EXPOSED_USER_FILE", "GENERICS_DOMAIN_FILE" ->
                    t.notTranslated(d, name + " has no Mailferry equivalent mailferry import translates", "list "
                            + "the names in rewrite.local_names (domains) or rewrite.masquerade_exceptions (users)");
            case "DAEMON_OPTIONS" -> daemon(c);
            case "CLIENT_OPTIONS" -> t.notTranslated(d, "Mailferry connects to the smarthost from the address the "
                    + "kernel chooses", "route to the smarthost through the wanted interface");
            case "MAILER" -> mailer(c);
            case "include", "sinclude" -> t.nothingToDo(d, isSendmailLibrary(c.arg(0))
                    ? "sendmail's own m4 library, which builds sendmail.cf" : "its directives are read and follow");
            case "divert", "VERSIONID", "OSTYPE", "DOMAIN", "MAILER_DEFINITIONS", "HACK" -> t.nothingToDo(d,
                    "m4 and sendmail.cf housekeeping");
            default -> unknown(c);
        }
    }

    private void unknown(Call c) throws ImportException {
        String name = c.name();
        if (M4_LOGIC.contains(name)) {
            throw ImportException.at(c.directive(), name + "(...) is m4 logic that mailferry import does not "
                    + "evaluate; write the directives it would produce plainly (run m4 to see them), then import again");
        }
        if (name.startsWith("LOCAL_")) {
            throw ImportException.at(c.directive(), name + " is followed by raw sendmail.cf rules, which mailferry "
                    + "import cannot translate; find what they do by hand (docs/migrating.md), remove them "
                    + "from a copy of the file and import the copy");
        }
        if (!name.equals(name.toUpperCase(Locale.ROOT))) {
            throw ImportException.at(c.directive(), "'" + name + "' is not a sendmail.mc macro mailferry import "
                    + "reads (a user m4 macro, or text m4 copies into sendmail.cf); remove it or write it plainly");
        }
        t.notTranslated(c.directive(), name + " is not a macro mailferry import knows", "see what it does in "
                + "sendmail's cf/README and find the key in docs/configuration.md, if there is one");
    }

    private void feature(Call c) throws ImportException {
        Directive d = c.directive();
        String name = c.arg(0);
        switch (name) {
            case "authinfo" -> {
                Path file = MapFile.sendmail(d, c.arg(1).isBlank() ? "hash /etc/mail/authinfo" : c.arg(1));
                credentials = Credentials.authinfo(d, file);
                t.set(d, "relay.authinfo", file.toString(), "the text file beside the map, read as it is (no "
                        + "makemap); " + Credentials.describe(credentials, smarthosts));
            }
            case "nullclient" -> smartHost(d, c.arg(1), "the null client's hub");
            case "masquerade_envelope" -> t.nothingToDo(d, "envelope_sender is in rewrite.masquerade_classes and "
                    + "rewrite.generic_classes: the envelope sender is masqueraded and mapped too");
            case "allmasquerade" -> t.nothingToDo(d, "header_recipient is in rewrite.masquerade_classes and "
                    + "rewrite.generic_classes: To: and Cc: are masqueraded and mapped too");
            case "genericstable" -> genericstable(d, c.arg(1));
            case "masquerade_entire_domain", "limited_masquerade", "local_no_masquerade" -> t.notTranslated(d,
                    "Mailferry masquerades unqualified senders and those at rewrite.local_names (this host's names "
                            + "and MASQUERADE_DOMAIN's), subdomains by rewrite.masquerade_domains",
                    "list the subdomains' parents in rewrite.masquerade_domains if they must be stripped");
            case "always_add_domain" -> t.nothingToDo(d, "Mailferry qualifies bare names with sendmail.origin_domain"
                    + " (headers.qualify = \"local\", the default)");
            default -> {
                String[] why = McReasons.FEATURES.get(name);
                if (why == null) {
                    t.notTranslated(d, "FEATURE(`" + name + "') has no Mailferry equivalent mailferry import knows",
                            "see what it does in sendmail's cf/README and find the key in docs/configuration.md");
                } else {
                    t.notTranslated(d, why[0], why[1]);
                }
            }
        }
    }

    /** sendmail's classes for masquerading and the genericstable: header senders, and by FEATURE more. */
    private List<String> classes() {
        List<String> out = new ArrayList<>();
        if (features.contains("masquerade_envelope")) {
            out.add("envelope_sender");
        }
        out.add("header_sender");
        if (features.contains("allmasquerade")) {
            out.add("header_recipient");
        }
        return out;
    }

    private void masqueradeAs(Directive d, String domain) throws ImportException {
        if (!org.mailferry.config.Key.isDomainName(domain)) {
            throw ImportException.at(d, "MASQUERADE_AS(`" + domain + "'): not a domain name; write e.g. "
                    + "MASQUERADE_AS(`example.com')");
        }
        t.set(d, "sendmail.origin_domain", domain, "unqualified names (root) get @" + domain + " on the way in");
        t.set(d, "rewrite.masquerade_as", domain, "at delivery, senders at this host's names (rewrite.local_names) "
                + "get it too");
        t.setList(d, "rewrite.masquerade_classes", classes(), "sendmail masquerades header senders"
                + (features.contains("masquerade_envelope") ? ", the envelope with FEATURE(`masquerade_envelope')"
                : " only (FEATURE(`masquerade_envelope') adds the envelope)")
                + (features.contains("allmasquerade") ? ", header recipients with FEATURE(`allmasquerade')" : ""));
    }

    private void localName(Directive d, String domain) throws ImportException {
        if (!org.mailferry.config.Key.isDomainName(domain)) {
            throw ImportException.at(d, "'" + domain + "' is not a domain name");
        }
        if (domain.equalsIgnoreCase(localNames.get(0))) {
            List<String> all = new ArrayList<>(List.of("localhost", "localhost.localdomain"));
            localNames.forEach(n -> all.add(n.toLowerCase(Locale.ROOT)));
            t.setList(d, "rewrite.local_names", all.stream().distinct().toList(), "sendmail's class w and class G: "
                    + "their senders are masqueraded and looked up by bare name in the generic map; "
                    + "smtpd.hostname is always one too");
        } else {
            t.nothingToDo(d, "in rewrite.local_names (set with the first MASQUERADE_DOMAIN or GENERICS_DOMAIN)");
        }
    }

    private void exposedUser(Directive d) {
        if (exposed.isEmpty()) {
            t.nothingToDo(d, "in rewrite.masquerade_exceptions (set with the first EXPOSED_USER)");
            return;
        }
        t.setList(d, "rewrite.masquerade_exceptions", exposed.stream().map(u -> u.toLowerCase(Locale.ROOT))
                .distinct().toList(), "these users keep their host's name");
        exposed.clear(); // the first EXPOSED_USER sets them all
    }

    private void genericstable(Directive d, String spec) throws ImportException {
        Path file = MapFile.sendmail(d, spec.isBlank() ? "hash /etc/mail/genericstable" : spec, "the generic map");
        MapFile.checkGeneric(d, file);
        t.set(d, "rewrite.generic_map", file.toString(), "the text file beside the map, read as it is (no makemap)");
        t.setList(d, "rewrite.generic_classes", classes(), "sendmail looks up header senders"
                + (features.contains("masquerade_envelope") ? " and the envelope sender (masquerade_envelope)" : "")
                + (features.contains("allmasquerade") ? " and header recipients (allmasquerade)" : ""));
    }

    /** SMART_HOST's value (or nullclient's) with the port its mailer's arguments may give. */
    private SmartHost smartHost(Directive d, String value) throws ImportException {
        String mailer = value.contains(":") ? value.substring(0, value.indexOf(':')).strip().toLowerCase(Locale.ROOT)
                : "relay";
        String args = mailerArgs.get((SmartHost.MAILERS.contains(mailer) ? mailer : "relay").toUpperCase(Locale.ROOT)
                + "_MAILER_ARGS");
        return SmartHost.parse(d, value, args == null ? null : SmartHost.port(args));
    }

    void smartHost(Directive d, String value, String what) throws ImportException {
        SmartHost h = smartHost(d, value);
        String args = mailerArgs.get(h.mailer().toUpperCase(Locale.ROOT) + "_MAILER_ARGS");
        Integer argsPort = args == null ? null : SmartHost.port(args);
        List<String> notes = new ArrayList<>(List.of(what));
        if (h.specs().size() > 1) {
            notes.add("tried in order");
        }
        if (argsPort != null) {
            notes.add("the port from " + h.mailer().toUpperCase(Locale.ROOT) + "_MAILER_ARGS");
        }
        notes.add(TlsNote.of(h.specs()));
        if (h.specs().size() == 1) {
            t.set(d, "relay.smarthost", h.specs().get(0), String.join("; ", notes));
        } else {
            t.setList(d, "relay.smarthost", h.specs(), String.join("; ", notes));
        }
    }

    void mailerArgs(Directive d, String name, String value) {
        List<String> words = List.of(value.strip().split("\\s+"));
        boolean auth = words.contains("-a") || words.contains("-A");
        if (auth) {
            authArgs = d;
        }
        Integer port = SmartHost.port(value);
        t.nothingToDo(d, (auth ? "-a/-A (use AUTH): Mailferry logs in whenever relay.authinfo has credentials for"
                + " the smarthost; " : "") + (port != null ? "its port " + port + " is the smarthost's port when "
                + name.replace("_MAILER_ARGS", "").toLowerCase(Locale.ROOT) + ": is SMART_HOST's mailer; " : "")
                + "Mailferry runs no mailer program, the rest needs nothing");
    }

    /** DAEMON_OPTIONS(`Port=smtp, Addr=127.0.0.1, Name=MTA'): the first becomes smtpd.listen. */
    private void daemon(Call c) {
        Map<String, String> o = new HashMap<>();
        for (String part : c.arg(0).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                o.put(part.substring(0, eq).strip().toLowerCase(Locale.ROOT), part.substring(eq + 1).strip());
            }
        }
        String portName = o.getOrDefault("port", "smtp");
        String port = switch (portName) {
            case "smtp" -> "25";
            case "submission" -> "587";
            case "smtps", "submissions" -> "465";
            default -> portName;
        };
        boolean inet6 = "inet6".equals(o.get("family"));
        String addr = o.getOrDefault("addr", inet6 ? "::" : "0.0.0.0");
        if (listening || !port.matches("[0-9]{1,5}")) {
            t.notTranslated(c.directive(), "Mailferry has one SMTP listener (" + (listening ? "set by an earlier "
                    + "DAEMON_OPTIONS" : "port '" + portName + "' is not a number or a known name") + ")",
                    "point the clients of this one at smtpd.listen");
            return;
        }
        listening = true;
        String modifiers = o.getOrDefault("m", "");
        t.set(c.directive(), "smtpd.listen", (addr.contains(":") ? "[" + addr + "]" : addr) + ":" + port,
                modifiers.isEmpty() ? "" : "M=" + modifiers + " not translated: Mailferry offers AUTH only with "
                        + "smtpd.users and STARTTLS only with smtpd.tls_cert");
    }

    private void mailer(Call c) {
        String m = c.arg(0);
        if (m.equals("smtp")) {
            t.nothingToDo(c.directive(), "Mailferry speaks SMTP (ESMTP) to the smarthost");
        } else {
            String[] why = McReasons.FEATURES.get("local_procmail");
            t.notTranslated(c.directive(), "the " + m + " mailer: " + (why == null ? "" : why[0]),
                    why == null ? "" : why[1]);
        }
    }

    private void finish(Directive whole) {
        if (smarthosts.isEmpty()) {
            t.notTranslated(whole, "no SMART_HOST: sendmail delivers to each domain's MX itself, which Mailferry "
                    + "does not do (it relays everything to one smarthost; messages stay queued until one is set)",
                    "set relay.smarthost to your provider's or relay's submission host, e.g. \"[smtp.example.com]:587\"");
        }
        if (authArgs != null && credentials == null) {
            t.notTranslated(authArgs, "-a/-A ask for AUTH, but there is no FEATURE(`authinfo'): sendmail then "
                    + "takes AuthInfo: entries from the access db, which mailferry import does not read",
                    "put the AuthInfo: lines in a text file (mode 600) and set relay.authinfo to it");
        }
    }

    static boolean isMechanism(String m) {
        return AUTH_MECHANISMS.contains(m.toUpperCase(Locale.ROOT));
    }
}
