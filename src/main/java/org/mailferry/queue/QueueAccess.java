package org.mailferry.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Who may list and who may change the queue, by local user name (from SO_PEERCRED, or the
 * command's own user). Changing (hold, release, flush, delete, the admin API) is for root, the
 * service user (the owner of the spool) and the members of {@code admin.group}, as Postfix keeps
 * postsuper to root; listing (mailq) is for {@code admin.mailq_users} too, "anyone" by default, as
 * Postfix's authorized_mailq_users. Group membership is read from /etc/group and /etc/passwd (the
 * primary group) at each check, so a change applies without a restart.
 */
public final class QueueAccess {
    public static final String ANYONE = "anyone";

    private final String serviceUser;
    private final String group;
    private final Set<String> mailqUsers;
    private final Path etc;

    /**
     * @param group      "" for none
     * @param mailqUsers "anyone" or user names
     */
    public QueueAccess(String serviceUser, String group, List<String> mailqUsers) {
        this(serviceUser, group, mailqUsers, Path.of("/etc"));
    }

    QueueAccess(String serviceUser, String group, List<String> mailqUsers, Path etc) {
        this.serviceUser = serviceUser;
        this.group = group;
        this.mailqUsers = Set.copyOf(mailqUsers);
        this.etc = etc;
    }

    /** The service user of a spool: the owner of its directory (the daemon's user when it created it). */
    public static String serviceUserOf(Path spool) {
        try {
            return Files.getOwner(spool).getName();
        } catch (IOException | UnsupportedOperationException e) {
            return System.getProperty("user.name");
        }
    }

    public boolean mayChange(String user) {
        return user.equals("root") || user.equals(serviceUser) || (!group.isEmpty() && inGroup(user));
    }

    public boolean mayList(String user) {
        return mailqUsers.contains(ANYONE) || mailqUsers.contains(user) || mayChange(user);
    }

    /** Who may change the queue, for messages: "root, the service user mailferry or group mailadmin". */
    public String operators() {
        return "root, the service user " + serviceUser + (group.isEmpty() ? "" : " or members of group " + group
                + " (admin.group)");
    }

    private boolean inGroup(String user) {
        String gid = null;
        for (String line : lines("group")) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && f[0].equals(group)) {
                if (List.of(f[3].split(",")).contains(user)) {
                    return true;
                }
                gid = f[2];
            }
        }
        if (gid == null) {
            return false;
        }
        for (String line : lines("passwd")) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && f[0].equals(user)) {
                return f[3].equals(gid);
            }
        }
        return false;
    }

    private List<String> lines(String file) {
        try {
            return Files.readAllLines(etc.resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }
}
