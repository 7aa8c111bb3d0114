package org.mailferry.config;

import java.util.List;

/**
 * Every configuration key with its default, in one table (as Postfix's mail_params.h).
 * docs/configuration.md documents each; a test checks that none is missing there.
 */
public record Key(String name, String defaultValue, String description) {

    public static final Key SMTPD_LISTEN = new Key("smtpd.listen", "127.0.0.1:2525",
            "address:port of the SMTP listener; [::1]:2525 for IPv6");
    public static final Key SMTPD_HOSTNAME = new Key("smtpd.hostname", "(the fully qualified host name)",
            "name in the greeting, EHLO reply and Received header");
    public static final Key SMTPD_MAX_MESSAGE_SIZE = new Key("smtpd.max_message_size", "10MiB",
            "largest message accepted (SIZE), in bytes or with KiB/MiB/GiB");
    public static final Key SMTPD_MAX_RECIPIENTS = new Key("smtpd.max_recipients", "1000",
            "most recipients per message; more get 452 4.5.3");
    public static final Key SMTPD_MAX_CONNECTIONS = new Key("smtpd.max_connections", "100",
            "most simultaneous client connections; more get 421 4.7.0");
    public static final Key SMTPD_IDLE_TIMEOUT = new Key("smtpd.idle_timeout", "300s",
            "how long to wait for the client's next command or data");
    public static final Key SMTPD_COMMAND_TIMEOUT = new Key("smtpd.command_timeout", "60s",
            "how long one command line may take to arrive in full (slow clients)");
    public static final Key SMTPD_DATA_TIMEOUT = new Key("smtpd.data_timeout", "600s",
            "how long a whole DATA phase may take; then 421 4.4.2 and the connection is closed (slowloris); 0 disables");
    public static final Key SMTPD_MIN_DATA_RATE = new Key("smtpd.min_data_rate", "1024",
            "fewest bytes per second a client must average in DATA once it has lasted 10s; slower gets 421 4.4.2; 0 disables");
    public static final Key SMTPD_MAX_LINE_LENGTH = new Key("smtpd.max_line_length", "0",
            "longest line accepted in message data, CRLF not counted; 0 (Postfix's way) accepts any and the smarthost client breaks lines over 998");
    public static final Key SMTPD_MYNETWORKS = new Key("smtpd.mynetworks", "[\"127.0.0.0/8\", \"::1/128\"]",
            "clients allowed to relay without authentication; others get 554 5.7.1 at RCPT");
    public static final Key SMTPD_MAX_CONNECTIONS_PER_CLIENT = new Key("smtpd.max_connections_per_client", "10",
            "most simultaneous connections from one address outside smtpd.mynetworks; more get 421 4.7.0");
    public static final Key SMTPD_MYNETWORKS_RESERVED_CONNECTIONS = new Key("smtpd.mynetworks_reserved_connections",
            "(a tenth of smtpd.max_connections)",
            "connection slots only clients in smtpd.mynetworks may take: outsiders get 421 4.7.0 when the rest are in use");
    public static final Key SMTPD_AUTH_FAILURE_DELAY = new Key("smtpd.auth_failure_delay", "1s",
            "a failed AUTH is answered after this delay, doubled for each further failure from the same client "
                    + "(address, or IPv6 /64) up to 32 times it; forgotten after an hour without failures; 0 disables");
    public static final Key SMTPD_TLS_CERT = new Key("smtpd.tls_cert", "(none: no STARTTLS)",
            "PEM certificate chain for STARTTLS on the listener, leaf first");
    public static final Key SMTPD_TLS_KEY = new Key("smtpd.tls_key", "(none)",
            "PEM private key for smtpd.tls_cert, unencrypted: PKCS#8 (BEGIN PRIVATE KEY) or PKCS#1 RSA (BEGIN RSA PRIVATE KEY)");
    public static final Key SMTPD_USERS = new Key("smtpd.users", "(none: no AUTH)",
            "users file for SMTP AUTH after STARTTLS, lines from 'mailferry passwd USER'; mode 600");
    public static final Key QUEUE_SPOOL = new Key("queue.spool", "(var/spool beside target/: in the checkout, or /var/spool/mailferry when installed)",
            "spool directory (tmp/, queue/, corrupt/ under it); relative: to the working directory");
    public static final Key QUEUE_RETRY_MIN = new Key("queue.retry_min", "5m",
            "delay before the first retry (doubles each attempt)");
    public static final Key QUEUE_RETRY_MAX = new Key("queue.retry_max", "1h",
            "longest delay between two attempts");
    public static final Key QUEUE_LIFETIME = new Key("queue.lifetime", "5d",
            "how long a message is retried before it expires");
    public static final Key QUEUE_DELAY_WARNING = new Key("queue.delay_warning", "4h",
            "send the sender one delay warning (DSN, Action: delayed) when a message is still queued after this; 0 disables");
    public static final Key QUEUE_BOUNCE_SIZE_LIMIT = new Key("queue.bounce_size_limit", "50KiB",
            "largest message returned whole in a bounce; larger ones (and RET=HDRS) return only the headers");
    public static final Key QUEUE_JOURNAL_LIMIT = new Key("queue.journal_limit", "128KiB",
            "messages up to this size are queued in the journal (one append, one shared fdatasync); larger ones in files of their own; 0: every message in files");
    public static final Key QUEUE_BACKEND = new Key("queue.backend", "files",
            "where the queue is kept: \"files\" (the spool directory, one node) or \"postgresql\" (a database shared by several nodes; docs/cluster.md)");
    public static final Key QUEUE_POSTGRESQL_URL = new Key("queue.postgresql_url", "(none)",
            "with queue.backend = \"postgresql\": the database, jdbc:postgresql://host:port/database");
    public static final Key QUEUE_POSTGRESQL_USER = new Key("queue.postgresql_user", "mailferry",
            "the database user");
    public static final Key QUEUE_POSTGRESQL_PASSWORD_FILE = new Key("queue.postgresql_password_file", "(none)",
            "file whose first line is the database user's password; mode 600, owned by the service user");
    public static final Key QUEUE_POSTGRESQL_PASSWORD_COMMAND = new Key("queue.postgresql_password_command", "[]",
            "command (argv list, no shell) whose first output line is the database user's password; neither this nor the file: no password (peer or trust authentication)");
    public static final Key QUEUE_POSTGRESQL_POOL_SIZE = new Key("queue.postgresql_pool_size", "20",
            "most database connections this node opens (a message being received holds one only while it commits, or for its whole body above 256 KiB)");
    public static final Key QUEUE_LEASE_TIME = new Key("queue.lease_time", "60s",
            "with queue.backend = \"postgresql\": how long a node's claim on a message lasts without renewal (renewed every third of it while the attempt runs); a node that dies leaves its messages to the others after this");
    public static final Key QUEUE_POLL_INTERVAL = new Key("queue.poll_interval", "10s",
            "with queue.backend = \"postgresql\": the longest an idle node waits before looking for due messages when no notification (LISTEN/NOTIFY) woke it");
    public static final Key QUEUE_PREFETCH = new Key("queue.prefetch", "(8 x relay.concurrency)",
            "with queue.backend = \"postgresql\": most messages this node accepts leased to itself (in the accept's commit) while they wait for a worker; beyond, it leaves them to whichever node is idle; 0: none");
    public static final Key RELAY_SMARTHOST = new Key("relay.smarthost", "(none: messages stay queued)",
            "smtp:[host]:port, [host]:port, host:port or host; a list for failover");
    public static final Key RELAY_HELO_NAME = new Key("relay.helo_name", "(smtpd.hostname)",
            "name sent in EHLO to the smarthost");
    public static final Key RELAY_CONNECT_TIMEOUT = new Key("relay.connect_timeout", "30s",
            "TCP connect timeout toward the smarthost; the 220 greeting must come within it too");
    public static final Key RELAY_COMMAND_TIMEOUT = new Key("relay.command_timeout", "300s",
            "how long each whole smarthost reply, all its lines, may take to arrive (RFC 5321 4.5.3.2)");
    public static final Key RELAY_REPLY_TRANSFER_TIMEOUT = new Key("relay.reply_transfer_timeout", "10s",
            "how long a smarthost reply may take from its first bytes to its end (a server trickling bytes is failing)");
    public static final Key RELAY_TRANSACTION_TIMEOUT = new Key("relay.transaction_timeout", "20m",
            "how long one transaction with the smarthost may take, from MAIL FROM to the reply after the final dot");
    public static final Key RELAY_CONCURRENCY = new Key("relay.concurrency", "4",
            "parallel connections to the smarthost");
    public static final Key RELAY_CONNECTION_REUSE_TIME = new Key("relay.connection_reuse_time", "2s",
            "how long an idle smarthost connection is kept for the next message");
    public static final Key RELAY_SITE_BACKOFF_MIN = new Key("relay.site_backoff_min", "30s",
            "after a smarthost address fails to open a session, the wait before one probe tests it again");
    public static final Key RELAY_SITE_BACKOFF_MAX = new Key("relay.site_backoff_max", "5m",
            "the longest wait between probes of a smarthost address that is down (doubles from the minimum)");
    public static final Key RELAY_DNS_SERVERS = new Key("relay.dns_servers", "[]",
            "name servers for the smarthost's MX and address lookups: [\"ip\", \"ip:port\", \"[ipv6]:port\"] (port 53 when not given); [] means those of /etc/resolv.conf");
    public static final Key RELAY_MESSAGE_RATE = new Key("relay.message_rate", "0",
            "most messages per period to the smarthost, spaced evenly: \"30/1m\", \"5/10s\"; more wait in the queue "
                    + "(throttled, never bounced); \"0\": no limit");
    public static final Key RELAY_RECIPIENT_DAILY_LIMIT = new Key("relay.recipient_daily_limit", "0",
            "most recipients a day to the smarthost (the day starts at relay.quota_reset_time); more wait for the "
                    + "next day; 0: no limit");
    public static final Key RELAY_CONNECTION_LIMIT = new Key("relay.connection_limit", "0",
            "most simultaneous connections to the smarthost; 0: up to relay.concurrency");
    public static final Key RELAY_QUOTA_RESET_TIME = new Key("relay.quota_reset_time", "00:00",
            "HH:MM (UTC) at which a day's recipient count starts again, and a daily quota reply's pause ends");
    public static final Key RELAY_SENDER_RELAY_MAP = new Key("relay.sender_relay_map", "(none: every sender uses relay.smarthost)",
            "file of 'sender@domain|@domain|<>  [smarthost]:port  [message_rate=.. recipient_daily_limit=.. connection_limit=..]' "
                    + "lines (Postfix's sender_dependent_relayhost_maps): the smarthost for each envelope sender");
    public static final Key RELAY_SENDER_DEPENDENT_AUTHENTICATION = new Key("relay.sender_dependent_authentication",
            "false", "look credentials up by envelope sender (address, then @domain) in relay.authinfo/relay.sasl_passwd "
                    + "before the smarthost (Postfix's smtp_sender_dependent_authentication)");
    public static final Key ADMIN_LISTEN = new Key("admin.listen", "127.0.0.1:2526",
            "address:port of the admin HTTP API (status, queue commands, /metrics); \"off\" disables it");
    public static final Key ADMIN_HISTORY_RETENTION = new Key("admin.history_retention", "7d",
            "how long a finished message's status and history stay available (SPOOL/done/)");
    public static final Key ADMIN_GROUP = new Key("admin.group", "(none)",
            "Unix group whose members may change the queue (hold, release, flush, delete) and read SPOOL/admin.token, "
            + "besides root and the service user");
    public static final Key ADMIN_MAILQ_USERS = new Key("admin.mailq_users", "[\"anyone\"]",
            "local users who may list the queue with mailq (as Postfix's authorized_mailq_users); "
            + "\"anyone\", or user names; root, the service user and admin.group always may");
    public static final Key ADMIN_HOST_NAMES = new Key("admin.host_names", "[]",
            "more names the admin API answers to in the Host header (a DNS name, a proxy's); its own address, "
            + "localhost and smtpd.hostname always");
    public static final Key ADMIN_TLS_CERT = new Key("admin.tls_cert", "(none: plain HTTP, loopback only)",
            "PEM certificate chain for the admin listener (API and web console over HTTPS); required when "
            + "admin.listen is not a loopback address");
    public static final Key ADMIN_TLS_KEY = new Key("admin.tls_key", "(none)",
            "PEM private key for admin.tls_cert, unencrypted: PKCS#8 or PKCS#1 RSA");
    public static final Key WEBHOOK_URL = new Key("webhook.url", "[]",
            "http(s) URLs that receive each event as a signed JSON POST; empty: no webhooks");
    public static final Key WEBHOOK_EVENTS = new Key("webhook.events",
            "[\"received\", \"deferred\", \"delayed\", \"delivered\", \"bounced\", \"expired\", \"deleted\", "
                    + "\"removed\"]",
            "event types sent to the webhook URLs");
    public static final Key WEBHOOK_SECRET_FILE = new Key("webhook.secret_file", "(none: requests are unsigned)",
            "file holding the HMAC-SHA256 secret for the Mailferry-Signature header");
    public static final Key WEBHOOK_LIFETIME = new Key("webhook.lifetime", "1d",
            "how long a webhook delivery is retried before it is given up");
    public static final Key SENDMAIL_ORIGIN_DOMAIN = new Key("sendmail.origin_domain", "(smtpd.hostname)",
            "domain added to unqualified addresses and to the sender the sendmail command makes up (user@domain)");
    public static final Key SENDMAIL_MAX_CONNECTIONS = new Key("sendmail.max_connections", "50",
            "most simultaneous connections to the submit socket (root is not counted); more get a temporary error");
    public static final Key SENDMAIL_MAX_CONNECTIONS_PER_USER = new Key("sendmail.max_connections_per_user", "10",
            "most simultaneous submit-socket connections of one local user; more get a temporary error");
    public static final Key SENDMAIL_REQUEST_TIMEOUT = new Key("sendmail.request_timeout", "10m",
            "how long one submit-socket request may take in full; then the daemon closes the connection");

    public static final Key RELAY_TLS = new Key("relay.tls", "auto",
            "\"starttls\" (required), \"tls\" (implicit), \"none\"; auto: port 465 tls, 587 starttls, "
            + "loopback none, otherwise starttls");
    public static final Key RELAY_CA_FILE = new Key("relay.ca_file", "(the JDK trust store)",
            "PEM file of CA certificates trusted for the smarthost's certificate");
    public static final Key RELAY_TLS_PIN = new Key("relay.tls_pin", "[]",
            "\"sha256:HEX\" fingerprints of the smarthost's certificate or public key; one must match");
    public static final Key RELAY_AUTHINFO = new Key("relay.authinfo", "(none)",
            "sendmail authinfo text file: AuthInfo:host:port \"U:user\" \"P:password\" \"M:PLAIN\"");
    public static final Key RELAY_SASL_PASSWD = new Key("relay.sasl_passwd", "(none)",
            "Postfix sasl_passwd text file: [host]:port user:password");
    public static final Key RELAY_AUTH_MECHANISMS = new Key("relay.auth_mechanisms",
            "[\"OAUTHBEARER\", \"XOAUTH2\", \"CRAM-MD5\", \"PLAIN\", \"LOGIN\"]",
            "AUTH mechanisms in order of preference (an authinfo M: field overrides)");
    public static final Key RELAY_ALLOW_PLAINTEXT_AUTH = new Key("relay.allow_plaintext_auth", "false",
            "allow sending credentials over a connection without TLS");
    public static final Key RELAY_USERNAME = new Key("relay.username", "(none)",
            "user for AUTH when no authinfo/sasl_passwd entry matches the smarthost");
    public static final Key RELAY_PASSWORD_COMMAND = new Key("relay.password_command", "[]",
            "command (argv list, no shell) whose first output line is the password");
    public static final Key RELAY_PASSWORD_ENV = new Key("relay.password_env", "(none)",
            "environment variable holding the password");
    public static final Key RELAY_OAUTH2_TOKEN_COMMAND = new Key("relay.oauth2_token_command", "[]",
            "command (argv list, no shell) whose first output line is an OAuth2 access token");
    public static final Key RELAY_OAUTH2_CLIENT_ID = new Key("relay.oauth2_client_id", "(none)",
            "OAuth2 client id for the refresh-token flow");
    public static final Key RELAY_OAUTH2_CLIENT_SECRET = new Key("relay.oauth2_client_secret", "(none)",
            "OAuth2 client secret (the config file must then be mode 600)");
    public static final Key RELAY_OAUTH2_REFRESH_TOKEN = new Key("relay.oauth2_refresh_token", "(none)",
            "OAuth2 refresh token (the config file must then be mode 600)");
    public static final Key RELAY_OAUTH2_TOKEN_ENDPOINT = new Key("relay.oauth2_token_endpoint", "(none)",
            "OAuth2 token endpoint URL, e.g. https://oauth2.googleapis.com/token");
    public static final Key HEADERS_DROP = new Key("headers.drop",
            "[\"bcc\", \"content-length\", \"resent-bcc\", \"return-path\"]",
            "header fields removed from every submitted message, on every way in (Postfix's message_drop_headers); "
                    + "[] keeps them all");
    public static final Key HEADERS_QUALIFY = new Key("headers.qualify", "local",
            "where bare local names in From, To, Cc, Reply-To, Sender, Resent-* ... get @sendmail.origin_domain: "
                    + "\"local\" (the sendmail command and SMTP clients in smtpd.mynetworks), \"sendmail\" "
                    + "(the command only), \"off\"");
    public static final Key LOG_TARGET = new Key("log.target", "stdout",
            "where the daemon's log lines go: \"stdout\", \"syslog\" (facility mail, tag mailferry) or \"journald\"");
    public static final Key LOG_FORMAT = new Key("log.format", "text",
            "\"text\" (mail.log style) or \"json\" (one object per line, the same fields)");
    public static final Key LOG_SOCKET = new Key("log.socket", "(/dev/log for syslog, /run/systemd/journal/stdout for journald)",
            "the socket of log.target syslog or journald");

    public static final Key REWRITE_MASQUERADE_AS = new Key("rewrite.masquerade_as", "(none: off)",
            "domain that unqualified senders and senders at a rewrite.local_names domain get at delivery "
                    + "(sendmail's MASQUERADE_AS; Postfix's myorigin for local mail)");
    public static final Key REWRITE_LOCAL_NAMES = new Key("rewrite.local_names",
            "[\"localhost\", \"localhost.localdomain\"]",
            "domains that are this host's own besides smtpd.hostname, which always is (sendmail's class w): their "
                    + "senders are masqueraded, and a generic-map line with a bare local name matches them");
    public static final Key REWRITE_MASQUERADE_DOMAINS = new Key("rewrite.masquerade_domains", "[]",
            "Postfix's masquerade_domains: a subdomain of a listed domain becomes it (first match wins; "
                    + "\"!name\" leaves name's subdomains alone)");
    public static final Key REWRITE_MASQUERADE_EXCEPTIONS = new Key("rewrite.masquerade_exceptions", "[]",
            "local parts never masqueraded (Postfix's masquerade_exceptions, sendmail's EXPOSED_USER), e.g. [\"root\"]");
    public static final Key REWRITE_MASQUERADE_CLASSES = new Key("rewrite.masquerade_classes",
            "[\"envelope_sender\", \"header_sender\"]",
            "what masquerading rewrites: envelope_sender (MAIL FROM), header_sender (From, Sender, Reply-To), "
                    + "header_recipient (To, Cc)");
    public static final Key REWRITE_GENERIC_MAP = new Key("rewrite.generic_map", "(none)",
            "file of 'pattern replacement' lines (user@domain, a bare local name, @domain, or * for the rest), "
                    + "applied at delivery like Postfix's smtp_generic_maps");
    public static final Key REWRITE_GENERIC_CLASSES = new Key("rewrite.generic_classes",
            "[\"envelope_sender\", \"header_sender\"]",
            "what the generic map rewrites, in the words of rewrite.masquerade_classes");
    public static final Key REWRITE_SEND_AS_LOGIN = new Key("rewrite.send_as_login", "[]",
            "smarthost names (as in relay.smarthost, or \"*\" for all) whose AUTH login becomes the envelope sender "
                    + "and the From address; the original From goes into Reply-To unless there is one");

    public static final List<Key> ALL = List.of(SMTPD_LISTEN, SMTPD_HOSTNAME, SMTPD_MAX_MESSAGE_SIZE,
            SMTPD_MAX_RECIPIENTS, SMTPD_MAX_CONNECTIONS, SMTPD_IDLE_TIMEOUT, SMTPD_COMMAND_TIMEOUT,
            SMTPD_DATA_TIMEOUT, SMTPD_MIN_DATA_RATE,
            SMTPD_MAX_LINE_LENGTH, SMTPD_MYNETWORKS, SMTPD_MAX_CONNECTIONS_PER_CLIENT,
            SMTPD_MYNETWORKS_RESERVED_CONNECTIONS, SMTPD_AUTH_FAILURE_DELAY, SMTPD_TLS_CERT, SMTPD_TLS_KEY, SMTPD_USERS,
            QUEUE_SPOOL, QUEUE_RETRY_MIN, QUEUE_RETRY_MAX, QUEUE_LIFETIME,
            QUEUE_DELAY_WARNING, QUEUE_BOUNCE_SIZE_LIMIT, QUEUE_JOURNAL_LIMIT,
            QUEUE_BACKEND, QUEUE_POSTGRESQL_URL, QUEUE_POSTGRESQL_USER, QUEUE_POSTGRESQL_PASSWORD_FILE,
            QUEUE_POSTGRESQL_PASSWORD_COMMAND, QUEUE_POSTGRESQL_POOL_SIZE, QUEUE_LEASE_TIME, QUEUE_POLL_INTERVAL, QUEUE_PREFETCH,
            RELAY_SMARTHOST, RELAY_HELO_NAME, RELAY_CONNECT_TIMEOUT, RELAY_COMMAND_TIMEOUT,
            RELAY_REPLY_TRANSFER_TIMEOUT, RELAY_TRANSACTION_TIMEOUT, RELAY_CONCURRENCY,
            RELAY_CONNECTION_REUSE_TIME, RELAY_SITE_BACKOFF_MIN, RELAY_SITE_BACKOFF_MAX, RELAY_DNS_SERVERS,
            RELAY_MESSAGE_RATE, RELAY_RECIPIENT_DAILY_LIMIT, RELAY_CONNECTION_LIMIT, RELAY_QUOTA_RESET_TIME,
            RELAY_SENDER_RELAY_MAP, RELAY_SENDER_DEPENDENT_AUTHENTICATION, RELAY_TLS,
            RELAY_CA_FILE, RELAY_TLS_PIN, RELAY_AUTHINFO, RELAY_SASL_PASSWD,
            RELAY_AUTH_MECHANISMS, RELAY_ALLOW_PLAINTEXT_AUTH, RELAY_USERNAME, RELAY_PASSWORD_COMMAND,
            RELAY_PASSWORD_ENV, RELAY_OAUTH2_TOKEN_COMMAND, RELAY_OAUTH2_CLIENT_ID, RELAY_OAUTH2_CLIENT_SECRET,
            RELAY_OAUTH2_REFRESH_TOKEN, RELAY_OAUTH2_TOKEN_ENDPOINT,
            ADMIN_LISTEN, ADMIN_HISTORY_RETENTION, ADMIN_GROUP, ADMIN_MAILQ_USERS, ADMIN_HOST_NAMES, ADMIN_TLS_CERT, ADMIN_TLS_KEY,
            WEBHOOK_URL, WEBHOOK_EVENTS, WEBHOOK_SECRET_FILE, WEBHOOK_LIFETIME,
            SENDMAIL_ORIGIN_DOMAIN, SENDMAIL_MAX_CONNECTIONS, SENDMAIL_MAX_CONNECTIONS_PER_USER,
            SENDMAIL_REQUEST_TIMEOUT, HEADERS_DROP, HEADERS_QUALIFY,
            REWRITE_MASQUERADE_AS, REWRITE_LOCAL_NAMES, REWRITE_MASQUERADE_DOMAINS, REWRITE_MASQUERADE_EXCEPTIONS,
            REWRITE_MASQUERADE_CLASSES, REWRITE_GENERIC_MAP, REWRITE_GENERIC_CLASSES, REWRITE_SEND_AS_LOGIN,
            LOG_TARGET, LOG_FORMAT, LOG_SOCKET);

    /** Keys whose values are secrets: masked by {@code config show}; MAILFERRY_..._FILE may name a file holding one. */
    public static final List<Key> SECRETS = List.of(RELAY_OAUTH2_CLIENT_SECRET, RELAY_OAUTH2_REFRESH_TOKEN);

    /** True for a plausible domain name: letters, digits, '-', '.', and nothing else. */
    public static boolean isDomainName(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    public static Key byName(String name) {
        for (Key k : ALL) {
            if (k.name.equals(name)) {
                return k;
            }
        }
        return null;
    }
}
