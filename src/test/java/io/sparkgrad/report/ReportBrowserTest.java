package io.sparkgrad.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser (headless Debian chromium), on the tiny hand-made model: it loads
 * without console messages and its sections are in the DOM. (EvaluateCommandTest does the same,
 * with a screenshot, for the report of a model trained on MNIST.)
 */
@org.junit.jupiter.api.Tag("external")
class ReportBrowserTest {
  @TempDir Path work;

  @Test
  void theReportLoadsWithoutConsoleMessagesAndShowsEverySection() throws IOException {
    Path page = work.resolve("report.html");
    Files.write(page, HtmlReport.bytes(HtmlReportTest.content()));
    String dom = HeadlessChromium.dumpDom(page, work.resolve("chromium"));
    for (String id : List.of("summary", "facts", "curves", "confusion", "classes", "confidence",
        "worst", "weights")) {
      assertTrue(dom.contains("id=\"" + id + "\""), "section " + id + " in the DOM");
    }
    assertTrue(dom.contains("&lt;script&gt;alert"), "the hostile text stays text");
    assertEquals(6, dom.split("<img ", -1).length - 1, "2 examples and 4 hidden units drawn");
  }

  @Test
  void theConsoleCheckSeesAPageThatLogsAnError() throws IOException {
    Path page = work.resolve("broken.html");
    Files.writeString(page, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>x</title>"
        + "</head><body><script>console.error('boom'); notDefined();</script></body></html>");
    HeadlessChromium.Run run = HeadlessChromium.run(page, work.resolve("chromium"), "--dump-dom");
    assertEquals(0, run.exitCode(), run.stderr());
    List<String> messages = run.consoleMessages();
    assertEquals(2, messages.size(), String.join("\n", messages));
    assertTrue(messages.get(0).contains("\"boom\""), messages.get(0));
    assertTrue(messages.get(1).contains("ReferenceError"), messages.get(1));
  }
}
