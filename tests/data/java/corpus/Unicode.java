package corpus;

public class Unicode {
    int café = 1;
    String 名前 = "値";
    static int $dollar_and_underscore_ = 2;

    String naïve(String ü) {
        return ü + "ß" + café;
    }

    class Ωmega { }
}
