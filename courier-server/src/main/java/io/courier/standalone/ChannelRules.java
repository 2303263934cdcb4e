package io.courier.standalone;

import io.courier.durable.Retention;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The hub's channel rules, in order; the first whose pattern matches a channel name decides. A channel no rule
 * matches does not exist. Without configured rules (dev mode) one rule matches everything: durable, anyone may
 * subscribe and publish, default retention.
 *
 * <p>Patterns are globs: {@code *} matches any run of characters, {@code ?} one character.
 */
final class ChannelRules {
    /** Who may do something on a channel. */
    enum Access {
        /** Any connected client. */
        ANYONE,
        /** A client whose token's claim ({@code channels} for subscribe, {@code publish} for publish) matches. */
        TOKEN,
        /** No client; for publish: only the backend through the HTTP API. */
        NOBODY;

        static Access parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("access : " + s + " (expected: anyone, token or nobody)");
            }
        }
    }

    /** One rule. */
    record Rule(String match, boolean durable, Access subscribe, Access publish, Retention retention) {
        Rule {
            Objects.requireNonNull(match, "match");
            Objects.requireNonNull(subscribe, "subscribe");
            Objects.requireNonNull(publish, "publish");
            Objects.requireNonNull(retention, "retention");
        }
    }

    static final Rule DEV_MODE = new Rule("*", true, Access.ANYONE, Access.ANYONE, Retention.DEFAULT);

    private final List<Rule> rules;
    private final List<Pattern> patterns;

    ChannelRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        this.patterns = this.rules.stream().map(r -> glob(r.match())).toList();
    }

    static ChannelRules devMode() {
        return new ChannelRules(List.of(DEV_MODE));
    }

    List<Rule> rules() {
        return rules;
    }

    /** The rule for {@code channel}, or null if the channel does not exist. */
    Rule find(String channel) {
        for (int i = 0; i < rules.size(); i++) {
            if (patterns.get(i).matcher(channel).matches()) {
                return rules.get(i);
            }
        }
        return null;
    }

    Retention retention(String channel) {
        Rule r = find(channel);
        return r == null ? Retention.DEFAULT : r.retention();
    }

    /** Why {@code claims} (null: no token) may not subscribe to {@code channel}, or null if it may. */
    String refuseSubscribe(String channel, Jwt.Claims claims) {
        Rule r = find(channel);
        if (r == null) {
            return "unknown channel " + channel;
        }
        return refuse(r.subscribe(), channel, claims == null ? null : claims.channels(), "subscribe to");
    }

    /** Why {@code claims} (null: no token) may not publish to {@code channel}, or null if it may. */
    String refusePublish(String channel, Jwt.Claims claims) {
        Rule r = find(channel);
        if (r == null) {
            return "unknown channel " + channel;
        }
        return refuse(r.publish(), channel, claims == null ? null : claims.publish(), "publish to");
    }

    private static String refuse(Access access, String channel, List<String> granted, String what) {
        switch (access) {
            case ANYONE:
                return null;
            case NOBODY:
                return "not allowed to " + what + " " + channel;
            default:
                if (granted != null) {
                    for (String g : granted) {
                        if (glob(g).matcher(channel).matches()) {
                            return null;
                        }
                    }
                }
                return "not allowed to " + what + " " + channel + " (the token does not grant it)";
        }
    }

    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            re.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
