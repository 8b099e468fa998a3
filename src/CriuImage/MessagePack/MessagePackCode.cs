namespace CriuImage.MessagePack;

/// <summary>The MessagePack format bytes of the subset this format uses (MessagePack specification, "Formats").</summary>
internal static class MessagePackCode
{
    public const byte MaxPositiveFixInt = 0x7f;
    public const byte MinFixMap = 0x80;
    public const byte MaxFixMap = 0x8f;
    public const byte MinFixArray = 0x90;
    public const byte MaxFixArray = 0x9f;
    public const byte MinFixStr = 0xa0;
    public const byte MaxFixStr = 0xbf;
    public const byte Nil = 0xc0;
    public const byte NeverUsed = 0xc1;
    public const byte False = 0xc2;
    public const byte True = 0xc3;
    public const byte Bin8 = 0xc4;
    public const byte Bin16 = 0xc5;
    public const byte Bin32 = 0xc6;
    public const byte UInt8 = 0xcc;
    public const byte UInt16 = 0xcd;
    public const byte UInt32 = 0xce;
    public const byte UInt64 = 0xcf;
    public const byte Int8 = 0xd0;
    public const byte Int16 = 0xd1;
    public const byte Int32 = 0xd2;
    public const byte Int64 = 0xd3;
    public const byte Str8 = 0xd9;
    public const byte Str16 = 0xda;
    public const byte Str32 = 0xdb;
    public const byte Array16 = 0xdc;
    public const byte Array32 = 0xdd;
    public const byte Map16 = 0xde;
    public const byte Map32 = 0xdf;
    public const byte MinNegativeFixInt = 0xe0;

    /// <summary>A short human name of the type a format byte starts, for error messages.</summary>
    public static string Describe(byte code) => code switch
    {
        <= MaxPositiveFixInt => "positive fixint",
        <= MaxFixMap => "fixmap",
        <= MaxFixArray => "fixarray",
        <= MaxFixStr => "fixstr",
        Nil => "nil",
        NeverUsed => "the never-used byte 0xc1",
        False or True => "bool",
        Bin8 or Bin16 or Bin32 => "bin",
        >= 0xc7 and <= 0xc9 => "ext",
        0xca or 0xcb => "float",
        UInt8 or UInt16 or UInt32 or UInt64 => "uint",
        Int8 or Int16 or Int32 or Int64 => "int",
        >= 0xd4 and <= 0xd8 => "fixext",
        Str8 or Str16 or Str32 => "str",
        Array16 or Array32 => "array",
        Map16 or Map32 => "map",
        _ => "negative fixint",
    };
}
