public class Characters {
    public static void main(String[] args) {
        String s = "aZ9 _é\tΩ";
        for (char c : s.toCharArray()) {
            System.out.println((int) c + " " + Character.isLetter(c) + " " + Character.isDigit(c) + " " + Character.isWhitespace(c) + " " + Character.isUpperCase(c) + " " + Character.toUpperCase(c) + " " + Character.isLetterOrDigit(c));
        }
        System.out.println(Character.getNumericValue('7') + " " + Character.digit('f', 16) + " " + Character.forDigit(11, 16) + " " + (char) ('a' + 2));
        System.out.println(Character.toChars(65)[0] + " " + Character.isJavaIdentifierStart('$') + " " + Character.MAX_VALUE + 0);
        char c = 'A';
        c += 2;
        c++;
        System.out.println(c + " " + (c + 1) + " " + (char) (c + 1));
        System.out.println("ÀÉÎ".toLowerCase() + " " + "straße".toUpperCase() + " " + "ǅ".toLowerCase());
    }
}
