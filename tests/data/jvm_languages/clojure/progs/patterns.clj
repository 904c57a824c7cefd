(ns progs.patterns (:gen-class))
(defprotocol Shape (area [s]))
(defrecord Circle [r] Shape (area [_] (* Math/PI r r)))
(defrecord Rect [w h] Shape (area [_] (* w h)))
(defmulti describe (fn [x] (cond (nil? x) :nil (number? x) :num (string? x) :str (sequential? x) :seq :else :other)))
(defmethod describe :nil [_] "nil")
(defmethod describe :num [x] (str "number " x))
(defmethod describe :str [x] (str "string of " (count x)))
(defmethod describe :seq [x] (str "seq of " (count x)))
(defmethod describe :default [_] "other")
(defn -main [& args]
  (doseq [s [(->Circle 1) (->Rect 2 3) (map->Rect {:w 2 :h 2})]]
    (println (format "%.4f" (double (area s))) (:w s)))
  (doseq [x [nil 3 "abc" [1 2] :k]] (println (describe x)))
  (let [{:keys [a b] :or {b 9}} {:a 1}
        [x & more] [1 2 3]]
    (println a b x more))
  (println (re-find #"(\w+)@(\w+)\.com" "mail joe@example.com now"))
  (println (case 3 1 "one" (2 3) "two or three" "other"))
  (println (= (->Circle 2) (->Circle 2))))
