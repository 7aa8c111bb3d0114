package org.mailferry.config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads mailferry.toml, applies command-line overrides, fills in defaults from {@link Key} and
 * checks every value. Every error names the file, the line and what to write instead.
 */
public final class ConfigLoader {
    final Map<String, Toml.Value> values = new HashMap<>();
    String file = "(defaults)";
    private Path configFile;

    /** Where each key set other than in the file came from: "command line" or the variable's name. */
    final Map<String, String> sources = new HashMap<>();

    /** Loads {@code file}, or only defaults when it is null. */
    public static Config load(Path file, Map<String, String> overrides) throws ConfigException {
        return read(file, overrides, Map.of()).config();
    }

    /**
     * Loads {@code file} (null: none), then the MAILFERRY_* variables of {@code env}, then the
     * command-line {@code overrides}: each one replaces what came before (options > environment >
     * file > defaults). Keeps what was set where, for {@code config show}.
     */
    public static Effective read(Path file, Map<String, String> overrides, Map<String, String> env)
            throws ConfigException {
        ConfigLoader l = new ConfigLoader();
        l.configFile = file;
        if (file != null) {
            l.file = file.toString();
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new ConfigException(file + ": no such file; create it or leave out --config to use defaults");
            } catch (java.nio.charset.MalformedInputException e) {
                throw new ConfigException(file + ": not UTF-8 text");
            } catch (IOException e) {
                throw new ConfigException(file + ": cannot read: " + e.getMessage());
            }
            l.values.putAll(Toml.parse(l.file, text));
            for (Map.Entry<String, Toml.Value> e : l.values.entrySet()) {
                if (Key.byName(e.getKey()) == null) {
                    throw ConfigException.at(l.file, e.getValue().line(), "unknown key '" + e.getKey()
                            + "'" + suggestion(e.getKey()) + "; see docs/configuration.md for the keys");
                }
            }
        }
        for (Environment.Setting e : Environment.read(env)) {
            l.values.put(e.key().name(), new Toml.Value(e.value(), 0));
            l.sources.put(e.key().name(), e.variable());
        }
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            if (Key.byName(o.getKey()) == null) {
                throw new IllegalArgumentException("unknown override key " + o.getKey());
            }
            l.values.put(o.getKey(), new Toml.Value(o.getValue(), 0));
            l.sources.put(o.getKey(), "command line");
        }
        return new Effective(l.build(), file, Map.copyOf(l.values), Map.copyOf(l.sources));
    }

    private static String suggestion(String unknown) {
        Key best = closest(unknown);
        return best == null ? "" : " (did you mean '" + best.name() + "'?)";
    }

    /** The key whose name is nearest {@code name} (at most 2 edits away), or null. */
    static Key closest(String name) {
        Key best = null;
        int bestDistance = 3;
        for (Key k : Key.ALL) {
            int d = distance(name, k.name());
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private Config build() throws ConfigException {
        Config.Smtpd smtpd = new Config.Smtpd(
                address(Key.SMTPD_LISTEN),
                hostName(Key.SMTPD_HOSTNAME, Hostname.local()),
                bounded(Key.SMTPD_MAX_MESSAGE_SIZE, size(Key.SMTPD_MAX_MESSAGE_SIZE)),
                (int) bounded(Key.SMTPD_MAX_RECIPIENTS, integer(Key.SMTPD_MAX_RECIPIENTS)),
                (int) bounded(Key.SMTPD_MAX_CONNECTIONS, integer(Key.SMTPD_MAX_CONNECTIONS)),
                duration(Key.SMTPD_IDLE_TIMEOUT),
                duration(Key.SMTPD_COMMAND_TIMEOUT),
                (int) bounded(Key.SMTPD_MAX_LINE_LENGTH, integer(Key.SMTPD_MAX_LINE_LENGTH)),
                strings(Key.SMTPD_MYNETWORKS, List.of("127.0.0.0/8", "::1/128")),
                path(Key.SMTPD_TLS_CERT), path(Key.SMTPD_TLS_KEY), path(Key.SMTPD_USERS),
                (int) bounded(Key.SMTPD_MAX_CONNECTIONS_PER_CLIENT, integer(Key.SMTPD_MAX_CONNECTIONS_PER_CLIENT)),
                reservedConnections((int) bounded(Key.SMTPD_MAX_CONNECTIONS, integer(Key.SMTPD_MAX_CONNECTIONS))),
                durationOrZero(Key.SMTPD_AUTH_FAILURE_DELAY),
                durationOrZero(Key.SMTPD_DATA_TIMEOUT),
                bounded(Key.SMTPD_MIN_DATA_RATE, integer(Key.SMTPD_MIN_DATA_RATE)));
        if ((smtpd.tlsCert() == null) != (smtpd.tlsKey() == null)) {
            throw at(smtpd.tlsCert() == null ? Key.SMTPD_TLS_KEY : Key.SMTPD_TLS_CERT,
                    "smtpd.tls_cert and smtpd.tls_key go together; set both or neither");
        }
        if (smtpd.users() != null && smtpd.tlsCert() == null) {
            throw at(Key.SMTPD_USERS, "smtpd.users needs STARTTLS (AUTH is only offered over TLS); "
                    + "set smtpd.tls_cert and smtpd.tls_key too");
        }
        Config.Queue queue = new Config.Queue(
                pathOf(Key.QUEUE_SPOOL, string(Key.QUEUE_SPOOL, DefaultSpool.path().toString())),
                duration(Key.QUEUE_RETRY_MIN),
                duration(Key.QUEUE_RETRY_MAX),
                duration(Key.QUEUE_LIFETIME),
                durationOrZero(Key.QUEUE_DELAY_WARNING),
                bounded(Key.QUEUE_BOUNCE_SIZE_LIMIT, size(Key.QUEUE_BOUNCE_SIZE_LIMIT)),
                bounded(Key.QUEUE_JOURNAL_LIMIT, size(Key.QUEUE_JOURNAL_LIMIT)),
                postgresql());
        if (queue.retryMax().compareTo(queue.retryMin()) < 0) {
            throw at(Key.QUEUE_RETRY_MAX, "queue.retry_max must not be shorter than queue.retry_min");
        }
        Config.Relay relay = new Config.Relay(
                smarthosts(),
                hostName(Key.RELAY_HELO_NAME, smtpd.hostname()),
                duration(Key.RELAY_CONNECT_TIMEOUT),
                duration(Key.RELAY_COMMAND_TIMEOUT),
                (int) bounded(Key.RELAY_CONCURRENCY, integer(Key.RELAY_CONCURRENCY)),
                duration(Key.RELAY_CONNECTION_REUSE_TIME),
                new RelaySecurityReader(this).read(),
                duration(Key.RELAY_SITE_BACKOFF_MIN),
                duration(Key.RELAY_SITE_BACKOFF_MAX),
                duration(Key.RELAY_TRANSACTION_TIMEOUT),
                duration(Key.RELAY_REPLY_TRANSFER_TIMEOUT),
                dnsServers(), limits(), quotaResetTime(), senderRelays(),
                new RelaySecurityReader(this).bool(Key.RELAY_SENDER_DEPENDENT_AUTHENTICATION));
        if (relay.siteBackoffMax().compareTo(relay.siteBackoffMin()) < 0) {
            throw at(Key.RELAY_SITE_BACKOFF_MAX,
                    "relay.site_backoff_max must not be shorter than relay.site_backoff_min");
        }
        String origin = string(Key.SENDMAIL_ORIGIN_DOMAIN, smtpd.hostname());
        if (values.containsKey(Key.SENDMAIL_ORIGIN_DOMAIN.name()) && !Key.isDomainName(origin)) { // read by the sendmail command; checked here so that serve fails fast
            throw at(Key.SENDMAIL_ORIGIN_DOMAIN, "sendmail.origin_domain must be a domain name such as \"example.com\"");
        }
        return new Config(smtpd, queue, relay, admin(), webhook(), new Config.Sendmail(configFile, origin,
                (int) bounded(Key.SENDMAIL_MAX_CONNECTIONS, integer(Key.SENDMAIL_MAX_CONNECTIONS)),
                (int) bounded(Key.SENDMAIL_MAX_CONNECTIONS_PER_USER, integer(Key.SENDMAIL_MAX_CONNECTIONS_PER_USER)),
                duration(Key.SENDMAIL_REQUEST_TIMEOUT)), headers(), new RewriteReader(this).read(smtpd.hostname()), log());
    }

    private Config.Log log() throws ConfigException {
        String target = string(Key.LOG_TARGET, "stdout");
        if (!List.of("stdout", "syslog", "journald").contains(target)) {
            throw at(Key.LOG_TARGET, "log.target must be \"stdout\", \"syslog\" or \"journald\", not \"" + target + "\"");
        }
        String format = string(Key.LOG_FORMAT, "text");
        if (!List.of("text", "json").contains(format)) {
            throw at(Key.LOG_FORMAT, "log.format must be \"text\" or \"json\", not \"" + format + "\"");
        }
        String socket = string(Key.LOG_SOCKET, switch (target) {
            case "syslog" -> "/dev/log";
            case "journald" -> "/run/systemd/journal/stdout";
            default -> "";
        });
        if (target.equals("stdout") && values.containsKey(Key.LOG_SOCKET.name())) {
            throw at(Key.LOG_SOCKET, "log.socket is only for log.target \"syslog\" or \"journald\"; remove it, or set "
                    + "log.target");
        }
        return new Config.Log(target, format, socket.isEmpty() ? null : Path.of(socket));
    }

    private Config.Admin admin() throws ConfigException {
        String listen = raw(Key.ADMIN_LISTEN).toString().strip();
        String group = string(Key.ADMIN_GROUP, "").strip();
        if (!group.isEmpty() && !group.matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
            throw at(Key.ADMIN_GROUP, "admin.group must be a Unix group name such as \"mailadmin\"");
        }
        if (!group.isEmpty()) {
            try {
                java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            } catch (java.io.IOException e) {
                throw at(Key.ADMIN_GROUP, "admin.group: there is no group '" + group + "'; create it (groupadd "
                        + group + ") and add the service user to it, or remove admin.group");
            }
        }
        Path cert = path(Key.ADMIN_TLS_CERT);
        Path key = path(Key.ADMIN_TLS_KEY);
        if ((cert == null) != (key == null)) {
            throw at(cert == null ? Key.ADMIN_TLS_KEY : Key.ADMIN_TLS_CERT,
                    "admin.tls_cert and admin.tls_key go together; set both or neither");
        }
        java.net.InetSocketAddress at = listen.equals("off") ? null : address(Key.ADMIN_LISTEN);
        if (at != null && cert == null && !loopback(at)) {
            throw at(Key.ADMIN_LISTEN, "admin.listen " + at.getHostString() + ":" + at.getPort()
                    + " is not a loopback address: the admin token and the console's session cookie would cross "
                    + "the network in clear; set admin.tls_cert and admin.tls_key (PEM) for HTTPS, or listen on "
                    + "127.0.0.1 and reach it through an SSH tunnel");
        }
        return new Config.Admin(at, duration(Key.ADMIN_HISTORY_RETENTION), group,
                strings(Key.ADMIN_MAILQ_USERS, List.of("anyone")), strings(Key.ADMIN_HOST_NAMES, List.of()), cert, key);
    }

    /** Whether the listener is reachable from this machine only (a wildcard is not). */
    private static boolean loopback(java.net.InetSocketAddress a) {
        if (a.getAddress() != null) {
            return a.getAddress().isLoopbackAddress();
        }
        String h = a.getHostString();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.matches("[0-9.]+") || h.contains(":")) {
            try {
                return java.net.InetAddress.getByName(h).isLoopbackAddress(); // a literal: no lookup
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return h.equalsIgnoreCase("localhost"); // any other name may resolve anywhere: HTTPS
    }

    private Config.Webhook webhook() throws ConfigException {
        List<java.net.URI> urls = new ArrayList<>();
        for (String u : strings(Key.WEBHOOK_URL, List.of())) {
            try {
                java.net.URI uri = new java.net.URI(u);
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                    throw new java.net.URISyntaxException(u, "not an http(s) URL with a host");
                }
                urls.add(uri);
            } catch (java.net.URISyntaxException e) {
                throw at(Key.WEBHOOK_URL, "webhook.url: '" + u + "' is not an http(s) URL; write e.g. "
                        + "\"https://app.example.com/mailferry\"");
            }
        }
        List<String> known = stringList(Toml.parse("", "x = " + Key.WEBHOOK_EVENTS.defaultValue()));
        List<String> events = strings(Key.WEBHOOK_EVENTS, known);
        for (String e : events) {
            if (!known.contains(e)) {
                throw at(Key.WEBHOOK_EVENTS, "webhook.events: unknown event type '" + e + "'; the types are "
                        + String.join(", ", known));
            }
        }
        Path secret = null;
        if (values.containsKey(Key.WEBHOOK_SECRET_FILE.name())) {
            secret = pathOf(Key.WEBHOOK_SECRET_FILE, string(Key.WEBHOOK_SECRET_FILE, ""));
            String text;
            try {
                text = SecretFile.read(secret); // the 0600 rule of every secret (issue 20: 0644 was accepted)
            } catch (ConfigException e) {
                throw at(Key.WEBHOOK_SECRET_FILE, "webhook.secret_file: " + e.getMessage());
            }
            if (text.isBlank()) {
                throw at(Key.WEBHOOK_SECRET_FILE, "webhook.secret_file: " + secret + " is empty; put a long "
                        + "random secret in it, e.g. '(umask 077; openssl rand -hex 32 > " + secret + ")'");
            }
        }
        return new Config.Webhook(List.copyOf(urls), events, secret, duration(Key.WEBHOOK_LIFETIME));
    }

    private static List<String> stringList(Map<String, Toml.Value> parsed) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) parsed.get("x").value()) {
            out.add(o.toString());
        }
        return out;
    }

    /** A command as an argv list; a single string is split at white space (no shell, no quoting). */
    List<String> command(Key key) throws ConfigException {
        List<String> argv = strings(key, List.of());
        if (argv.size() == 1) {
            argv = List.of(argv.get(0).strip().split("\\s+"));
        }
        return argv.size() == 1 && argv.get(0).isEmpty() ? List.of() : argv;
    }

    /** queue.backend and, for "postgresql", its keys; null for "files". */
    private Config.Postgresql postgresql() throws ConfigException {
        String backend = string(Key.QUEUE_BACKEND, "files");
        if (backend.equals("files")) {
            return null; // the postgresql keys are read only for that backend ('config show' writes them all)
        }
        if (!backend.equals("postgresql")) {
            throw at(Key.QUEUE_BACKEND, "queue.backend must be \"files\" or \"postgresql\"");
        }
        String url = string(Key.QUEUE_POSTGRESQL_URL, "").strip();
        if (!url.startsWith("jdbc:postgresql://")) {
            throw at(values.containsKey(Key.QUEUE_POSTGRESQL_URL.name()) ? Key.QUEUE_POSTGRESQL_URL : Key.QUEUE_BACKEND,
                    "queue.backend = \"postgresql\" needs queue.postgresql_url = \"jdbc:postgresql://HOST:PORT/DATABASE\"");
        }
        if (url.matches("(?i).*[?&]password=.*")) {
            throw at(Key.QUEUE_POSTGRESQL_URL, "queue.postgresql_url must not hold the password (it is shown in logs"
                    + " and by config show); put it in queue.postgresql_password_file (mode 600) instead");
        }
        Path file = path(Key.QUEUE_POSTGRESQL_PASSWORD_FILE);
        List<String> command = command(Key.QUEUE_POSTGRESQL_PASSWORD_COMMAND);
        if (file != null && !command.isEmpty()) {
            throw at(Key.QUEUE_POSTGRESQL_PASSWORD_COMMAND, "set queue.postgresql_password_file or "
                    + "queue.postgresql_password_command, not both");
        }
        if (file != null) {
            SecretFile.check(file); // fail at start, with the fix, rather than at the first connection
        }
        Duration lease = duration(Key.QUEUE_LEASE_TIME);
        if (lease.compareTo(Duration.ofSeconds(3)) < 0) {
            throw at(Key.QUEUE_LEASE_TIME, "queue.lease_time must be at least 3s (it is renewed every third of it)");
        }
        return new Config.Postgresql(url, string(Key.QUEUE_POSTGRESQL_USER, "mailferry"), file, command,
                (int) bounded(Key.QUEUE_POSTGRESQL_POOL_SIZE, integer(Key.QUEUE_POSTGRESQL_POOL_SIZE)), lease,
                duration(Key.QUEUE_POLL_INTERVAL), values.containsKey(Key.QUEUE_PREFETCH.name())
                        ? (int) bounded(Key.QUEUE_PREFETCH, integer(Key.QUEUE_PREFETCH)) : -1);
    }

    ConfigException at(Key key, String message) {
        Toml.Value v = values.get(key.name());
        String source = sources.get(key.name());
        return ConfigException.at(source != null ? source : file, v == null ? 0 : v.line(), message);
    }

    private Object raw(Key key) {
        Toml.Value v = values.get(key.name());
        return v == null ? key.defaultValue() : v.value();
    }

    private Config.Headers headers() throws ConfigException {
        List<String> drop = new ArrayList<>();
        for (String name : strings(Key.HEADERS_DROP, List.of("bcc", "content-length", "resent-bcc", "return-path"))) {
            if (!name.matches("[!-9;-~]+")) {
                throw at(Key.HEADERS_DROP, "headers.drop: '" + name + "' is not a header field name; write names "
                        + "without the colon, e.g. [\"bcc\", \"x-mailer\"]");
            }
            drop.add(name.toLowerCase(java.util.Locale.ROOT));
        }
        String qualify = string(Key.HEADERS_QUALIFY, "local");
        if (!List.of("local", "sendmail", "off").contains(qualify)) {
            throw at(Key.HEADERS_QUALIFY, "headers.qualify must be \"local\", \"sendmail\" or \"off\"");
        }
        return new Config.Headers(List.copyOf(drop), qualify);
    }

    String string(Key key, String fallback) throws ConfigException {
        Toml.Value v = values.get(key.name());
        if (v == null) {
            return fallback;
        }
        if (!(v.value() instanceof String s)) {
            throw at(key, key.name() + " must be a string in quotes, e.g. " + key.name().substring(
                    key.name().indexOf('.') + 1) + " = \"" + key.defaultValue() + "\"");
        }
        return s;
    }

    /**
     * A name sent in EHLO or the greeting: a domain name (at most 253 characters) or an address
     * literal; issue 20: a relay.helo_name of 200,000 characters or with a NUL was sent as is.
     */
    private String hostName(Key key, String fallback) throws ConfigException {
        String s = string(key, fallback);
        if (values.containsKey(key.name()) && !Key.isDomainName(s) && !s.matches("\\[(IPv6:)?[0-9A-Fa-f:.]{1,45}\\]")) {
            String shown = s.length() > 60 ? s.substring(0, 60) + "... (" + s.length() + " characters)" : s;
            throw at(key, key.name() + ": '" + shown.replaceAll("[^\\x20-\\x7e]", "?") + "' is not a host name; "
                    + "write a domain name of at most 253 letters, digits, '-' and '.' such as \"mail.example.com\", "
                    + "or an address literal such as \"[192.0.2.1]\"");
        }
        return s;
    }

    private Path path(Key key) throws ConfigException {
        String s = string(key, null);
        return s == null || s.isBlank() ? null : pathOf(key, s);
    }

    Path pathOf(Key key, String s) throws ConfigException {
        try {
            return Path.of(s);
        } catch (java.nio.file.InvalidPathException e) {
            throw at(key, key.name() + ": '" + s.replaceAll("[^\\x20-\\x7e]", "?") + "' is not a usable path: "
                    + e.getReason());
        }
    }

    List<String> strings(Key key, List<String> fallback) throws ConfigException {
        Toml.Value v = values.get(key.name());
        if (v == null) {
            return fallback;
        }
        Object value = v.value();
        if (v.line() == 0 && value instanceof String s && s.strip().startsWith("[")) {
            value = Toml.parse(sources.getOrDefault(key.name(), "command line"), "x = " + s).get("x").value(); // an override written as TOML
        }
        // issue 20: mynetworks = "127.0.0.1" was read silently; a network list is where a string for a
        // list is a likely mistake ("127.0.0.1, 10.0.0.0/8"). Other list keys take one string as one item.
        if (v.line() > 0 && value instanceof String s && key == Key.SMTPD_MYNETWORKS) {
            String name = key.name().substring(key.name().indexOf('.') + 1);
            throw at(key, key.name() + " must be a list in brackets, even of one: write " + name + " = [\""
                    + s.replace("\"", "\\\"") + "\"]");
        }
        List<?> list = value instanceof List<?> l ? l : List.of(value);
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw at(key, key.name() + " must be a list of strings, e.g. " + key.defaultValue());
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    /** smtpd.mynetworks_reserved_connections: a tenth of the slots unless set; outsiders keep at least one. */
    private int reservedConnections(int maxConnections) throws ConfigException {
        Key key = Key.SMTPD_MYNETWORKS_RESERVED_CONNECTIONS;
        if (!values.containsKey(key.name())) {
            return maxConnections / 10;
        }
        long n = integer(key);
        if (n < 0 || n >= maxConnections) {
            throw at(key, key.name() + " must be from 0 to smtpd.max_connections - 1 (" + (maxConnections - 1)
                    + "), not " + n);
        }
        return (int) n;
    }

    private long integer(Key key) throws ConfigException {
        Object o = raw(key);
        if (o instanceof Long n) {
            return n;
        }
        try {
            return Long.parseLong(o.toString().strip());
        } catch (NumberFormatException e) {
            throw at(key, key.name() + " must be a whole number, not '" + o + "'");
        }
    }

    /** The value, if inside the key's documented {@link Range}; else the error names key, value and range. */
    private long bounded(Key key, long n) throws ConfigException {
        Range r = Range.of(key);
        if (!r.contains(n)) {
            throw at(key, key.name() + " = " + n + " is out of range: it must be from " + r.text()
                    + " (see docs/configuration.md)");
        }
        return n;
    }

    private long size(Key key) throws ConfigException {
        try {
            return Units.bytes(raw(key));
        } catch (IllegalArgumentException e) {
            throw at(key, key.name() + ": " + e.getMessage());
        }
    }

    private Duration duration(Key key) throws ConfigException {
        try {
            Duration d = Units.duration(raw(key));
            if (d.isZero()) {
                throw at(key, key.name() + " must be longer than 0");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw at(key, key.name() + ": " + e.getMessage());
        }
    }

    private Duration durationOrZero(Key key) throws ConfigException {
        try {
            return Units.duration(raw(key));
        } catch (IllegalArgumentException e) {
            throw at(key, key.name() + ": " + e.getMessage());
        }
    }

    private InetSocketAddress address(Key key) throws ConfigException {
        String s = raw(key).toString().strip();
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
            throw at(key, key.name() + ": '" + s + "' needs address:port, e.g. 127.0.0.1:2525");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw at(key, key.name() + ": port in '" + s + "' is not a number");
        }
        if (port < 0 || port > 65535) {
            throw at(key, key.name() + ": port " + port + " is out of range 0-65535");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    /** relay.message_rate, relay.recipient_daily_limit, relay.connection_limit. */
    private RateLimits limits() throws ConfigException {
        long recipients = bounded(Key.RELAY_RECIPIENT_DAILY_LIMIT, integer(Key.RELAY_RECIPIENT_DAILY_LIMIT));
        int connections = (int) bounded(Key.RELAY_CONNECTION_LIMIT, integer(Key.RELAY_CONNECTION_LIMIT));
        try {
            return RateLimits.withRate(raw(Key.RELAY_MESSAGE_RATE).toString(), recipients, connections);
        } catch (IllegalArgumentException e) {
            throw at(Key.RELAY_MESSAGE_RATE, Key.RELAY_MESSAGE_RATE.name() + ": " + e.getMessage());
        }
    }

    /** relay.sender_relay_map, read as a Postfix sender_dependent_relayhost_maps text file. */
    private List<SenderRelayMap.Entry> senderRelays() throws ConfigException {
        String s = string(Key.RELAY_SENDER_RELAY_MAP, "").strip();
        if (s.isEmpty()) {
            return List.of();
        }
        Path file = pathOf(Key.RELAY_SENDER_RELAY_MAP, s);
        try {
            return SenderRelayMap.parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw at(Key.RELAY_SENDER_RELAY_MAP, "relay.sender_relay_map: no such file " + file + "; create it "
                    + "(lines 'sender@domain [smarthost]:port') or remove the key");
        } catch (IOException e) {
            throw at(Key.RELAY_SENDER_RELAY_MAP, "relay.sender_relay_map: cannot read " + file + ": " + e.getMessage());
        }
    }

    private java.time.LocalTime quotaResetTime() throws ConfigException {
        String s = string(Key.RELAY_QUOTA_RESET_TIME, "00:00").strip();
        if (!s.matches("([01][0-9]|2[0-3]):[0-5][0-9]")) {
            throw at(Key.RELAY_QUOTA_RESET_TIME, "relay.quota_reset_time: '" + s.replaceAll("[^\\x20-\\x7e]", "?")
                    + "' is not a time of day; write HH:MM in UTC, e.g. \"00:00\" or \"07:00\"");
        }
        return java.time.LocalTime.parse(s);
    }

    private List<InetSocketAddress> dnsServers() throws ConfigException {
        try {
            return NameServers.parse(strings(Key.RELAY_DNS_SERVERS, List.of()));
        } catch (IllegalArgumentException e) {
            throw at(Key.RELAY_DNS_SERVERS, e.getMessage());
        }
    }

    private List<Smarthost> smarthosts() throws ConfigException {
        Toml.Value v = values.get(Key.RELAY_SMARTHOST.name());
        if (v == null) {
            return List.of();
        }
        List<Object> specs = v.value() instanceof List<?> list ? new ArrayList<>(list) : List.of(v.value());
        List<Smarthost> out = new ArrayList<>();
        for (Object spec : specs) {
            if (!(spec instanceof String s)) {
                throw at(Key.RELAY_SMARTHOST, "relay.smarthost must be a string such as \"smtp:[smtp.example.com]:587\"");
            }
            if (s.isBlank()) {
                continue;
            }
            try {
                out.add(Smarthost.parse(s));
            } catch (IllegalArgumentException e) {
                throw at(Key.RELAY_SMARTHOST, "relay.smarthost: " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }
}
