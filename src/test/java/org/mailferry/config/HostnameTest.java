package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The default host name: gethostname() completed from /etc/hosts, then /etc/resolv.conf, never DNS. */
class HostnameTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            vm      | 127.0.1.1 vm.example.com vm                         |                              | vm.example.com
            vm      | 127.0.0.1 localhost\\n127.0.1.1\\tVM.Example.com  vm # x |                        | VM.Example.com
            mx.a.b  | 127.0.1.1 other.example.com mx.a.b                  | search c.d                   | mx.a.b
            vm      | 127.0.0.1 vm                                         | search corp.example lab.example | vm.corp.example
            vm      | 127.0.0.1 vm                                         | domain corp.example.\\nsearch z.example | vm.z.example
            vm      | # 127.0.1.1 vm.example.com vm                        | nameserver 10.0.0.1          | vm
            vm      | 127.0.1.1 vmhost.example.com vmhost                  |                              | vm
            """)
    void completesAShortNameAsTheResolversFilesDo(String name, String hosts, String resolvConf, String expected) {
        assertThat(Hostname.qualify(name, unescape(hosts), unescape(resolvConf))).isEqualTo(expected);
    }

    private static String unescape(String s) {
        return s == null ? "" : s.replace("\\n", "\n").replace("\\t", "\t");
    }

    @ParameterizedTest
    @CsvSource({"vm,false", "vm.example.com,true", "vm.,false", ".vm,false"})
    void qualifiedNamesHaveADomain(String name, boolean qualified) {
        assertThat(Hostname.isQualified(name)).isEqualTo(qualified);
    }
}
