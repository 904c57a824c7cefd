(ns progs.exceptions (:gen-class))
(defn risky [n] (if (> n 2) (throw (ex-info (str "too big: " n) {:n n})) (* n 10)))
(defn -main [& args]
  (doseq [i (range 1 5)]
    (try (println (risky i))
         (catch clojure.lang.ExceptionInfo e (println "caught" (.getMessage e) (ex-data e)))
         (finally (println "finally" i))))
  (println (try (/ 10 0) (catch ArithmeticException e (.getMessage e))))
  (println (try (Integer/parseInt "x") (catch NumberFormatException e (.getMessage e))))
  (println (try (nth [1] 5) (catch IndexOutOfBoundsException e "index")))
  (println (try (.length nil) (catch NullPointerException e "npe")))
  (println (try (throw (IllegalStateException. "bad")) (catch Exception e (class e))))
  (println (try (assert (= 1 2) "math") (catch AssertionError e (.getMessage e)))))
