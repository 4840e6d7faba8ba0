package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;

/**
 * A real headless Chromium (Debian's package) to render a page and screenshot it. CI installs it, and
 * there its absence fails a test instead of skipping it; on a developer's machine without it, the test is skipped.
 */
final class Chromium {
    private Chromium() {
    }

    static BufferedImage screenshot(Path html, Path png) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        if (!Files.isExecutable(chromium)) {
            assertThat(System.getenv("CI")).as("CI must have chromium (.ci/run installs it)").isNotEqualTo("true");
            Assumptions.abort("no /usr/bin/chromium: apt-get install chromium");
        }
        Path profile = Files.createTempDirectory("scale-chromium");
        try {
            // The flags a closed network and a root user need: no sandbox, no background connections.
            Process p = new ProcessBuilder(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--user-data-dir=" + profile, "--hide-scrollbars", "--window-size=1280,1400", "--screenshot=" + png,
                    html.toUri().toString())).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
            assertThat(png).exists();
            return ImageIO.read(png.toFile());
        } finally {
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    /** Pixels within a small distance of an RGB colour (anti-aliasing blurs edges, not fills). */
    static long pixels(BufferedImage image, int rgb) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int c = image.getRGB(x, y);
                int dr = ((c >> 16) & 0xff) - ((rgb >> 16) & 0xff);
                int dg = ((c >> 8) & 0xff) - ((rgb >> 8) & 0xff);
                int db = (c & 0xff) - (rgb & 0xff);
                if (dr * dr + dg * dg + db * db < 300) {
                    n++;
                }
            }
        }
        return n;
    }
}
