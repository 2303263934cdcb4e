package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.durable.Retention;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelRulesTest {
    private static final Retention SHORT = new Retention(Duration.ofHours(1), 1 << 20);
    private final ChannelRules rules = new ChannelRules(List.of(
            new ChannelRules.Rule("parcels.*", true, ChannelRules.Access.TOKEN, ChannelRules.Access.TOKEN, SHORT),
            new ChannelRules.Rule(
                    "news", false, ChannelRules.Access.ANYONE, ChannelRules.Access.NOBODY, Retention.DEFAULT),
            new ChannelRules.Rule(
                    "*", true, ChannelRules.Access.NOBODY, ChannelRules.Access.NOBODY, Retention.DEFAULT)));

    private static Jwt.Claims claims(List<String> channels, List<String> publish) {
        return new Jwt.Claims("c", channels, publish, null);
    }

    @Test
    void theFirstMatchingRuleDecides() {
        assertThat(rules.find("parcels.east").match()).isEqualTo("parcels.*");
        assertThat(rules.find("news").durable()).isFalse();
        assertThat(rules.find("newsletter").match()).isEqualTo("*");
        assertThat(rules.retention("parcels.x")).isEqualTo(SHORT);
        assertThat(new ChannelRules(List.of()).find("anything")).isNull();
        assertThat(new ChannelRules(List.of()).refuseSubscribe("x", null)).isEqualTo("unknown channel x");
    }

    @Test
    void tokenAccessFollowsTheClaimsPatterns() {
        Jwt.Claims driver = claims(List.of("parcels.*"), List.of("parcels.east"));
        assertThat(rules.refuseSubscribe("parcels.west", driver)).isNull();
        assertThat(rules.refusePublish("parcels.east", driver)).isNull();
        assertThat(rules.refusePublish("parcels.west", driver)).contains("does not grant");
        assertThat(rules.refuseSubscribe("parcels.west", null)).contains("does not grant");
        assertThat(rules.refuseSubscribe("news", null)).isNull();
        assertThat(rules.refusePublish("news", driver)).isEqualTo("not allowed to publish to news");
        assertThat(rules.refuseSubscribe("other", driver)).isEqualTo("not allowed to subscribe to other");
    }

    @Test
    void globsQuoteEverythingButStarAndQuestionMark() {
        assertThat(ChannelRules.glob("a.b*").matcher("a.bcd").matches()).isTrue();
        assertThat(ChannelRules.glob("a.b*").matcher("aXbcd").matches()).isFalse();
        assertThat(ChannelRules.glob("room-?").matcher("room-7").matches()).isTrue();
        assertThat(ChannelRules.glob("room-?").matcher("room-17").matches()).isFalse();
        assertThat(ChannelRules.glob("(x)+").matcher("(x)+").matches()).isTrue();
    }
}
