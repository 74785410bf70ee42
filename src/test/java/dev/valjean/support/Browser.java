package dev.valjean.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium driven through its chromedriver (never a downloaded browser), with helpers
 * that find elements the way a person does (by label and by the words on a button), a screenshot
 * per page under {@code target/screenshots/}, and an axe-core check of each page.
 */
public final class Browser implements AutoCloseable {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Path AXE = Path.of("target/axe/node_modules/axe-core/axe.min.js");

    public final WebDriver driver;
    private final String base;
    private final String axe;
    private final Path screenshots = Path.of("target/screenshots");

    public Browser(String base) throws IOException, InterruptedException {
        if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute()) {
            throw new IllegalStateException("Browser tests need Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver"
                    + " (.ci/run installs them)");
        }
        this.axe = Files.readString(axe(), StandardCharsets.UTF_8);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1440,1000", "--user-data-dir=" + Files.createTempDirectory("valjean-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort()
                .withLogFile(new File("target/chromedriver.log")).build();
        this.driver = new ChromeDriver(service, options);
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        Files.createDirectories(screenshots);
    }

    /** axe-core from npm, installed into target/ the first time (the npm registry is reachable here). */
    private static Path axe() throws IOException, InterruptedException {
        if (!Files.isRegularFile(AXE)) {
            // Never inherit this JVM's standard streams: Surefire talks to its forked JVM through them.
            Files.createDirectories(Path.of("target/axe"));
            File log = new File("target/axe/npm-install.log");
            Process npm = new ProcessBuilder("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", "target/axe", "axe-core@4.10.3")
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log)).start();
            assertEquals(0, npm.waitFor(), "npm install axe-core (see " + log + ")");
        }
        return AXE;
    }

    public void open(String path) {
        driver.get(path.startsWith("http") ? path : base + path);
    }

    public void open(java.net.URI uri) {
        open(uri.toString());
    }

    public String path() {
        return driver.getCurrentUrl().replace(base, "");
    }

    /** The input, select or textarea whose label starts with these words. */
    public WebElement field(String label) {
        WebElement l = driver.findElement(By.xpath("//label[starts-with(normalize-space(.), " + quote(label) + ")]"));
        return driver.findElement(By.id(l.getAttribute("for")));
    }

    public void type(String label, String text) {
        WebElement field = field(label);
        field.clear();
        field.sendKeys(text);
    }

    /** The n-th (0-based) field with this label (the items of an issue share their labels). */
    public WebElement field(String label, int n) {
        List<WebElement> labels = driver.findElements(By.xpath("//label[starts-with(normalize-space(.), " + quote(label) + ")]"));
        return driver.findElement(By.id(labels.get(n).getAttribute("for")));
    }

    /** Presses a button or link that leads to another page, and waits until that page has come. */
    public void press(String words) {
        WebElement page = driver.findElement(By.tagName("html"));
        button(words).click();
        // The old page is gone once its root element no longer answers (Chromium says so in more than one way).
        waitFor(d -> {
            try {
                page.isEnabled();
                return false;
            } catch (org.openqa.selenium.WebDriverException gone) {
                return true;
            }
        }, Duration.ofSeconds(15));
        waitFor(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState")), Duration.ofSeconds(15));
    }

    public WebElement button(String words) {
        return driver.findElement(By.xpath("//button[normalize-space(.)=" + quote(words) + "] | //a[starts-with(normalize-space(.), " + quote(words) + ")]"));
    }

    public boolean hasButton(String words) {
        return !driver.findElements(By.xpath("//button[normalize-space(.)=" + quote(words) + "]")).isEmpty();
    }

    public String text() {
        return driver.findElement(By.tagName("body")).getText();
    }

    /** The page's h1, or what the page says when it has none (so a failing assertion shows it). */
    public String heading() {
        List<WebElement> h1 = driver.findElements(By.tagName("h1"));
        return h1.isEmpty() ? "(no heading at " + driver.getCurrentUrl() + ") " + driver.getPageSource() : h1.get(0).getText();
    }

    public <T> T waitFor(Function<WebDriver, T> condition, Duration timeout) {
        return new WebDriverWait(driver, timeout, Duration.ofMillis(100)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> {
                    try {
                        return condition.apply(d);
                    } catch (org.openqa.selenium.WebDriverException e) {
                        // Chromium's other word for a stale element: a node of the page being left, read as the next one
                        // comes, is "unknown error: … Node with given id does not belong to the document". Not yet; ask again.
                        if (e.getMessage() != null && e.getMessage().contains("does not belong to the document")) {
                            return null;
                        }
                        throw e;
                    }
                });
    }

    /**
     * Saves a screenshot of the page at desktop and phone widths, and checks it at both: nothing
     * wider than the window (no sideways scrolling), and no serious or critical axe-core violation.
     */
    @SuppressWarnings("unchecked")
    public void check(String name) throws IOException {
        for (int width : new int[] { 1440, 360 }) {
            driver.manage().window().setSize(new Dimension(width, 1000));
            byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
            Number overflow = (Number) ((JavascriptExecutor) driver).executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
            assertTrue(overflow.intValue() <= 1, name + " is wider than the window at " + width + " px (by " + overflow + " px)");
            Files.write(screenshots.resolve(name + "-" + width + ".png"), png);
            List<Map<String, Object>> violations = (List<Map<String, Object>>) ((JavascriptExecutor) driver).executeAsyncScript(axe
                    + "\nvar done = arguments[arguments.length - 1];"
                    + "axe.run(document, { resultTypes: ['violations'] }).then(function (r) { done(r.violations.filter(function (v) {"
                    + " return v.impact === 'serious' || v.impact === 'critical'; }).map(function (v) { return { id: v.id, impact: v.impact,"
                    + " help: v.help, nodes: v.nodes.map(function (n) { return n.target.join(' '); }).join(', ') }; })); });");
            List<String> problems = new ArrayList<>();
            violations.forEach(v -> problems.add(v.get("impact") + " " + v.get("id") + ": " + v.get("help") + " at " + v.get("nodes")));
            assertTrue(problems.isEmpty(), name + " at " + width + " px has accessibility violations: " + problems);
        }
        driver.manage().window().setSize(new Dimension(1440, 1000));
    }

    private static String quote(String s) {
        return s.contains("'") ? "\"" + s + "\"" : "'" + s + "'";
    }

    @Override
    public void close() {
        driver.quit();
    }
}
