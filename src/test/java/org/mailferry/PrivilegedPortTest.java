package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.LocalUser;
import org.mailferry.testing.UserProcess;

/**
 * Issue 12, item 3: the installed service listens on 127.0.0.1:25 through the unit's
 * CAP_NET_BIND_SERVICE. Started by hand as a user without it, the refused bind says why and names
 * the fixes instead of a bare "Permission denied".
 */
class PrivilegedPortTest {
    @TempDir
    Path dir;

    @Test
    void aBindRefusedForLackOfTheCapabilitySaysSoAndNamesTheFix() throws Exception {
        UserProcess eve = UserProcess.as("eve").cwd(UserProcess.open(dir));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Files.setOwner(spool, spool.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("eve"));
        UserProcess.Result r = eve.run("", 60, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", LocalUser.classPath(), "org.mailferry.Mailferry", "serve", "--listen", "127.0.0.1:25",
                "--spool", spool.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(78);
        assertThat(r.err()).contains("mailferry: cannot listen: smtpd.listen 127.0.0.1:25: ",
                "a port below 1024 needs the capability CAP_NET_BIND_SERVICE, which user eve does not have",
                "AmbientCapabilities=CAP_NET_BIND_SERVICE", "--listen 127.0.0.1:2525");
        assertThat(r.err()).doesNotContain("\tat ");
    }
}
