package dev.valjean.support;

import static io.restassured.RestAssured.given;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import dev.valjean.abuse.ChallengeService;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** A person on a web page, behind their own IP address: fetches and solves challenges, signs up, reads mail. */
public final class Visitor {

    private static final Pattern CONFIRM_LINK = Pattern.compile("https://valjean\\.test/confirm/([A-Za-z0-9_-]+)");
    private static final Pattern FORM_TOKEN = Pattern.compile("name=\"formToken\" value=\"([^\"]+)\"");

    public final String ip;
    public final String userAgent;

    public Visitor(String ip) {
        this(ip, "Mozilla/5.0 (Test) Visitor/" + ip);
    }

    public Visitor(String ip, String userAgent) {
        this.ip = ip;
        this.userAgent = userAgent;
    }

    public RequestSpecification request() {
        return given().header("X-Forwarded-For", ip).header("User-Agent", userAgent);
    }

    /** A solved proof-of-work payload, as the browser script would post it. */
    public String solvedChallenge() {
        ChallengeService.Challenge c = request().get("/api/v1/challenge").then().statusCode(200).extract()
                .as(ChallengeService.Challenge.class);
        return ChallengeService.solve(c);
    }

    /** Posts the JSON sign-up with a freshly solved challenge. */
    public Response subscribe(String email, String name, String... newsletters) {
        Map<String, Object> body = new java.util.HashMap<>();
        body.put("email", email);
        body.put("name", name);
        body.put("newsletters", List.of(newsletters));
        body.put("consent", true);
        body.put("altcha", solvedChallenge());
        body.put("page", "https://customer.example/signup?utm_source=x");
        return request().contentType(ContentType.JSON).body(body).post("/api/v1/subscriptions");
    }

    /** The hosted form's one-time token, read from the page as a browser without JavaScript would. */
    public String formToken(String slug) {
        String page = request().get("/subscribe/" + slug).then().statusCode(200).extract().asString();
        Matcher m = FORM_TOKEN.matcher(page);
        if (!m.find()) {
            throw new AssertionError("no form token on the hosted page");
        }
        return m.group(1);
    }

    /** The confirmation token in the one message GreenMail holds for this address. */
    public static String confirmToken(String email) throws Exception {
        List<MimeMessage> mails = SmtpServers.receivedBy(email);
        if (mails.size() != 1) {
            throw new AssertionError("expected one message for " + email + ", found " + mails.size());
        }
        Matcher m = CONFIRM_LINK.matcher(text(mails.get(0)));
        if (!m.find()) {
            throw new AssertionError("no confirmation link in the message");
        }
        return m.group(1);
    }

    /** The text/plain part of a message. */
    public static String text(MimeMessage message) throws Exception {
        return part(message, "text/plain");
    }

    public static String html(MimeMessage message) throws Exception {
        return part(message, "text/html");
    }

    private static String part(MimeMessage message, String type) throws Exception {
        Object content = message.getContent();
        if (content instanceof MimeMultipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                if (multipart.getBodyPart(i).isMimeType(type)) {
                    return multipart.getBodyPart(i).getContent().toString();
                }
            }
        }
        if (message.isMimeType(type)) {
            return content.toString();
        }
        throw new AssertionError("no " + type + " part");
    }
}
