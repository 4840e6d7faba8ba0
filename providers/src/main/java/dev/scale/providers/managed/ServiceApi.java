package dev.scale.providers.managed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A managed service's HTTP API, as scale calls it: JSON in and out, the credential in a header that no message
 * ever shows, and each failure as one line with its exit code. Offline or a refused key is the environment
 * (exit 3); a refusal by the service (a quota, a bad request) or its own failure is exit 1. 423 (busy) and 429
 * (rate limit) are retried, after {@code Retry-After} when the service sends one.
 */
public final class ServiceApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ATTEMPTS = 6;

    private final String service;
    private final URI base;
    private final String authorization;
    private final String keyVariable;
    private final String urlVariable;
    private final HttpClient http;

    /**
     * The service answered with an error status; {@link #status}, the service's own {@link #code} and its own words
     * ({@link #detail}, for a provider that tells one refusal from another by them).
     */
    public static final class Refused extends ScaleException {
        private static final long serialVersionUID = 1L;
        public final int status;
        public final String code;
        public final String detail;

        Refused(String service, int status, String code, String message, String hint, String detail) {
            super(status == 401 || status == 403 ? dev.scale.errors.ExitCode.ENVIRONMENT : dev.scale.errors.ExitCode.FAILURE,
                    service + " " + message, hint, null);
            this.status = status;
            this.code = code;
            this.detail = detail;
        }
    }

    /**
     * @param authorization the whole header value ("Bearer …"), never shown
     * @param keyVariable   where the user sets the credential, for the way out of a refusal
     * @param urlVariable   the variable that moves the base URL, for the way out when it does not answer
     */
    public ServiceApi(String service, String base, String authorization, String keyVariable, String urlVariable) {
        this.service = service;
        this.base = URI.create(base.endsWith("/") ? base : base + "/");
        this.authorization = authorization;
        this.keyVariable = keyVariable;
        this.urlVariable = urlVariable;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public JsonNode get(String path) {
        return call("GET", path, null);
    }

    public JsonNode post(String path, Object body) {
        return call("POST", path, body);
    }

    /**
     * Deletes even when this thread was interrupted (Ctrl-C during a start): clean-up must reach the service, and
     * the JDK's HTTP client fails at once on an interrupted thread. The interrupt is restored afterwards.
     * @return false when it was already gone (404)
     */
    public boolean delete(String path) {
        boolean interrupted = Thread.interrupted();
        try {
            call("DELETE", path, null);
            return true;
        } catch (Refused r) {
            if (r.status == 404) {
                return false;
            }
            throw r;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public JsonNode call(String method, String path, Object body) {
        URI uri = base.resolve(path.startsWith("/") ? path.substring(1) : path);
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Accept", "application/json");
            if (authorization != null) { // null: an API that needs no account (Neon's claimable databases)
                request.header("Authorization", authorization);
            }
            try {
                request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
                if (body != null) {
                    request.header("Content-Type", "application/json");
                }
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status < 300) {
                    return response.body() == null || response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
                }
                if ((status == 423 || status == 429) && attempt < ATTEMPTS) {
                    Thread.sleep(retryAfterMillis(response, attempt));
                    continue;
                }
                throw refused(method, uri, status, response.body());
            } catch (IOException e) {
                throw ScaleException.environment("cannot reach " + service + " at " + base + ": " + describe(e),
                        "check the network" + (urlVariable == null ? "" : ", or " + urlVariable + " if you set it"), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ScaleException.failure("interrupted while calling " + service, e);
            }
        }
    }

    /** Retry-After in seconds when given, else 1 s, 2 s, 4 s, … (Neon documents none, and retries 423 every 3 s). */
    private static long retryAfterMillis(HttpResponse<String> response, int attempt) {
        return response.headers().firstValue("Retry-After").map(v -> {
            try {
                return Math.min(60_000L, Long.parseLong(v.trim()) * 1000);
            } catch (NumberFormatException e) {
                return 3_000L;
            }
        }).orElse(Math.min(8_000L, 1000L << (attempt - 1)));
    }

    private Refused refused(String method, URI uri, int status, String body) {
        String code = "";
        String message = body == null ? "" : body.strip();
        try {
            JsonNode json = JSON.readTree(body);
            if (json != null && json.isObject()) {
                code = json.path("code").asText("");
                message = json.has("message") ? json.get("message").asText() : json.path("error").asText(message);
                // Capella's body is {code (a number), hint, message, httpStatusCode}: its hint says what the message leaves out
                if (message.isBlank() && json.hasNonNull("hint")) {
                    message = json.get("hint").asText();
                }
            } else if (json != null && json.isTextual()) {
                message = json.asText();
            }
        } catch (IOException notJson) {
            // the raw text, shortened below
        }
        message = message.length() > 200 ? message.substring(0, 200) + "…" : message;
        String what = uri.getPath();
        if (status == 401 || status == 403) {
            return new Refused(service, status, code, "refused the API key (HTTP " + status + (message.isEmpty() ? "" : ": " + message) + ")",
                    "check " + keyVariable, message);
        }
        if (code.endsWith("LIMIT_EXCEEDED")) {
            return new Refused(service, status, code, "says a limit of your plan is reached: " + message + " (" + code + ")",
                    "remove an instance first (scale ls, scale down NAME), or raise the limit with " + service, message);
        }
        if (status == 429) {
            return new Refused(service, status, code, "still limits the rate of requests after " + ATTEMPTS + " tries (HTTP 429)", "try again in a minute", message);
        }
        // a numeric code (Capella's) is told apart from the status beside it; a named one (Neon's) reads as it is
        String shownCode = code.isEmpty() ? "" : code.chars().allMatch(Character::isDigit) ? ", code " + code : " " + code;
        return new Refused(service, status, code, (status >= 500 ? "failed on " : "refused ") + method + " " + what + " (HTTP " + status
                + shownCode + (message.isEmpty() ? "" : ": " + message) + ")",
                status >= 500 ? "try again later; nothing was left half made" : null, message);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
