-- 严重违法失信名单全部列入与移出历史：每个列入决定一行，成员区间 [valid_from, valid_to)。
-- 某日 D 的名单：where valid_from <= D and (valid_to is null or valid_to > D)。

{{ list_history('serious', [
    'related_penalty_number', 'scheduled_expiry_date', 'early_removal_from', 'early_removal_refused_on',
    'repair_application_id',
]) }}
