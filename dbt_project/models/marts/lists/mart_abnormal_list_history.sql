-- 经营异常名录全部列入与移出历史：每个列入决定一行，成员区间 [valid_from, valid_to)。
-- 某日 D 的名录：where valid_from <= D and (valid_to is null or valid_to > D)。

{{ list_history('abnormal') }}
