import TrainerBridge
import XCTest

final class JSONValueTests: XCTestCase {
    /// Objects print with sorted keys (a config's text must not depend on hash order), strings
    /// are escaped, and non-finite numbers use the spellings Python's json reads.
    func testTextIsCanonical() {
        let value = JSONValue.object(["b": .array([.int(1), .double(0.5), .null, .bool(true)]), "a": .string("x\"\\\n\u{1}"),
                                      "c": .double(.infinity)])
        XCTAssertEqual(value.jsonText, #"{"a":"x\"\\\n\u0001","b":[1,0.5,null,true],"c":Infinity}"#)
    }

    /// A frame starts with FCB1 and the header's length, and lists its arrays' types and shapes.
    func testFrameLayout() {
        let bytes = Array(Frame.encode(["op": .string("fit")], arrays: [(ArrayShape(type: .float32, shape: [2]), [1, 2, 3, 4, 5, 6, 7, 8])]).joined())
        XCTAssertEqual(Array(bytes[0..<4]), Array("FCB1".utf8))
        let length = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        XCTAssertEqual(String(decoding: bytes[8..<(8 + length)], as: UTF8.self), #"{"arrays":[{"dtype":"<f4","shape":[2]}],"op":"fit"}"#)
        XCTAssertEqual(Array(bytes[(8 + length)...]), [1, 2, 3, 4, 5, 6, 7, 8])
    }
}
