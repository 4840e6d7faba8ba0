package dev.scale.providers.docker;

import dev.scale.errors.ScaleException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A Docker engine on another machine, reached as the docker CLI reaches one: {@code DOCKER_HOST=ssh://[USER@]HOST[:PORT]},
 * through the machine's own OpenSSH client, so that the user's keys, agent, {@code ~/.ssh/config} and known hosts
 * apply as they do for {@code ssh} and {@code docker}. {@code SCALE_SSH_CONFIG} names another configuration file
 * ({@code ssh -F}). scale never asks for a password or a host key ({@code BatchMode}): what ssh would ask, it refuses
 * in one line.
 * <p>
 * Every argument goes to ssh as its own, never through a shell; a user or host that could be read as an option is
 * refused.
 */
record Ssh(String user, String host, int port, String config) {
    /** Host names, IPv4 addresses and user names: letters, digits, dots, dashes and underscores, not starting with a dash. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    static boolean isSsh(String dockerHost) {
        return dockerHost != null && dockerHost.trim().startsWith("ssh://");
    }

    /** {@code ssh://[USER@]HOST[:PORT]}: refused, as a usage error, when it is not that. */
    static Ssh parse(String dockerHost, Map<String, String> env) {
        String raw = dockerHost.trim();
        URI uri;
        try {
            uri = URI.create(raw);
        } catch (IllegalArgumentException e) {
            throw bad(raw, "not a URL");
        }
        String host = uri.getHost();
        if (host == null || !NAME.matcher(host).matches()) {
            throw bad(raw, "no host name scale can pass to ssh");
        }
        String user = uri.getUserInfo();
        if (user != null && (user.contains(":") || !NAME.matcher(user).matches())) {
            throw bad(raw, user.contains(":") ? "a password in DOCKER_HOST: use a key (ssh-agent) instead" : "a user name scale cannot pass to ssh");
        }
        if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
            throw bad(raw, "a path: the engine is the remote user's default one");
        }
        String config = env.get("SCALE_SSH_CONFIG");
        return new Ssh(user, host, uri.getPort() > 0 ? uri.getPort() : -1, config == null || config.isBlank() ? null : config);
    }

    private static ScaleException bad(String raw, String why) {
        String shown = raw.replaceFirst("^(ssh://[^:@/]*):[^@/]*@", "$1:***@"); // a password given in it is not printed
        return ScaleException.usage("DOCKER_HOST " + shown + " is not an SSH address scale can use: " + why,
                "write DOCKER_HOST=ssh://USER@HOST[:PORT]");
    }

    /** As DOCKER_HOST says it. */
    String where() {
        return "ssh://" + (user == null ? "" : user + "@") + host + (port > 0 ? ":" + port : "");
    }

    /**
     * The ssh command: no prompts, keep-alives, fail when a forward cannot be made, then {@code options}, the
     * destination and the remote command.
     */
    List<String> command(List<String> options, List<String> remote) {
        List<String> out = new ArrayList<>(List.of("ssh"));
        if (config != null) {
            out.addAll(List.of("-F", config));
        }
        out.addAll(List.of("-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=10",
                "-o", "ServerAliveCountMax=3", "-o", "ConnectTimeout=15"));
        if (port > 0) {
            out.addAll(List.of("-p", Integer.toString(port)));
        }
        if (user != null) {
            out.addAll(List.of("-l", user));
        }
        out.addAll(options);
        out.add("--");
        out.add(host);
        out.addAll(remote);
        return out;
    }
}
