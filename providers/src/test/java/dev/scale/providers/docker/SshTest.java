package dev.scale.providers.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.errors.ScaleException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How DOCKER_HOST=ssh://… becomes the ssh command scale runs: every part an argument of its own, nothing an option by accident. */
class SshTest {
    @Test
    void anAddressBecomesSshsOwnArgumentsWithNoPromptAndTheDestinationAfterTheOptions() {
        Ssh ssh = Ssh.parse("ssh://ci@build-box.example:2222", Map.of("SCALE_SSH_CONFIG", "/tmp/cfg"));
        assertThat(ssh.where()).isEqualTo("ssh://ci@build-box.example:2222");
        List<String> cmd = ssh.command(List.of("-L", "127.0.0.1:5:127.0.0.1:5"), List.of("sleep", "60"));
        assertThat(cmd).startsWith("ssh", "-F", "/tmp/cfg").contains("BatchMode=yes", "ExitOnForwardFailure=yes")
                .containsSubsequence("-p", "2222").containsSubsequence("-l", "ci")
                .endsWith("-L", "127.0.0.1:5:127.0.0.1:5", "--", "build-box.example", "sleep", "60");
        Ssh plain = Ssh.parse("ssh://10.0.0.7", Map.of());
        assertThat(plain.command(List.of(), List.of("cat"))).doesNotContain("-p", "-l", "-F").endsWith("--", "10.0.0.7", "cat");
        assertThat(plain.where()).isEqualTo("ssh://10.0.0.7");
    }

    @Test
    void whatSshCouldReadAsAnOptionOrAPasswordIsRefusedAsAUsageError() {
        for (String bad : List.of("ssh://-oProxyCommand=touch@evil", "ssh://root@-oProxyCommand=x", "ssh://root:secret@host",
                "ssh://root@host/var/run/other.sock", "ssh://", "ssh://ro ot@host")) {
            assertThatThrownBy(() -> Ssh.parse(bad, Map.of())).as(bad).isInstanceOfSatisfying(ScaleException.class,
                    e -> assertThat(e.oneLine()).contains("is not an SSH address scale can use"));
        }
        assertThatThrownBy(() -> Ssh.parse("ssh://root:secret@host", Map.of())).hasMessageContaining("use a key").hasMessageNotContaining("secret");
    }

    @Test
    void anEngineOnAnotherMachineOverTcpIsRefusedPlainAndReachedThroughItsApiOverTls() {
        DockerEngine plain = new DockerEngine(Map.of("DOCKER_HOST", "tcp://192.0.2.1:2375"), java.nio.file.Path.of("/nonexistent"));
        assertThatThrownBy(plain::api).isInstanceOfSatisfying(ScaleException.class,
                e -> assertThat(e.oneLine()).contains("plain TCP to another machine", "ssh://USER@192.0.2.1"));
        DockerEngine tls = new DockerEngine(Map.of("DOCKER_HOST", "tcp://192.0.2.1:2376", "DOCKER_TLS_VERIFY", "1"), java.nio.file.Path.of("/nonexistent"));
        assertThat(tls.tunnels()).hasValueSatisfying(t -> assertThat(t).isInstanceOf(ExecTunnels.class));
        // this machine's own engine over TCP is neither: its published ports are this machine's
        DockerEngine local = new DockerEngine(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375"), java.nio.file.Path.of("/nonexistent"));
        assertThat(local.tunnels()).isEmpty();
        assertThat(local.remoteTcpHost()).isEmpty();
    }
}
