package io.courier.engine.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EngineIoPacketTypeTest {

    /** The packet type table. */
    static Stream<Arguments> typeTable() {
        return Stream.of(
                Arguments.of(EngineIoPacketType.OPEN, '0'),
                Arguments.of(EngineIoPacketType.CLOSE, '1'),
                Arguments.of(EngineIoPacketType.PING, '2'),
                Arguments.of(EngineIoPacketType.PONG, '3'),
                Arguments.of(EngineIoPacketType.MESSAGE, '4'),
                Arguments.of(EngineIoPacketType.UPGRADE, '5'),
                Arguments.of(EngineIoPacketType.NOOP, '6'));
    }

    @ParameterizedTest
    @MethodSource("typeTable")
    void writesTheDigitOfTheProtocolTable(EngineIoPacketType type, char digit) {
        assertThat(type.digit()).isEqualTo(digit);
    }

    @ParameterizedTest
    @MethodSource("typeTable")
    void readsTheTypeOfEveryDigit(EngineIoPacketType type, char digit) {
        assertThat(EngineIoPacketType.fromDigit(digit)).isEqualTo(type);
    }

    static Stream<Arguments> notADigit() {
        return Stream.of(
                Arguments.of('7', "invalid packet type '7'"),
                Arguments.of('9', "invalid packet type '9'"),
                Arguments.of('/', "invalid packet type '/'"),
                Arguments.of('a', "invalid packet type 'a'"),
                Arguments.of('b', "invalid packet type 'b'"),
                Arguments.of(' ', "invalid packet type ' '"),
                Arguments.of('\u0000', "invalid packet type '\\u0000'"),
                Arguments.of('\u001e', "invalid packet type '\\u001e'"),
                Arguments.of('\u007f', "invalid packet type '\\u007f'"),
                Arguments.of('\u00e9', "invalid packet type '\\u00e9'"),
                Arguments.of('\uffff', "invalid packet type '\\uffff'"));
    }

    @ParameterizedTest
    @MethodSource("notADigit")
    void rejectsACharacterThatIsNotATypeDigit(char c, String message) {
        assertThatThrownBy(() -> EngineIoPacketType.fromDigit(c))
                .isExactlyInstanceOf(EngineIoProtocolException.class)
                .hasMessage(message);
    }
}
