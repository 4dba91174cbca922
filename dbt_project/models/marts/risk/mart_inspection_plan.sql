-- 双随机抽查计划（计划日 = as_of_date）：每个检查对象一行。
-- 1. 重点监管事项清单内的企业（持有清单所列许可）全部列入，实行重点监管，不参与随机抽取；
-- 2. 其余参与分类的企业按（区划, 信用风险类别）分层，近一年双随机抽查次数超过该类上限的不抽；
--    每类应抽户数 = round(本类全辖区可抽户数 × 该类抽查比例)，按最大余数法分到各层（int_risk__inspection_draw），
--    每层按 md5(随机种子 | 统一社会信用代码) 升序取前若干户（可复现）；
-- 3. 检查人员从辖区覆盖该企业的名录库人员中随机选派（按 md5(种子 | 代码 | 执法证号) 排序），
--    所在单位近一年处罚过该企业的人员回避；可选人数不足时如实标注。

with

params as (

    select
        cast({{ risk_parameter('inspectors_per_inspection') }} as integer) as inspectors_per_inspection

),

scores as (

    select * from {{ ref('mart_credit_risk_scores') }}

),

draw as (

    select * from {{ ref('int_risk__inspection_draw') }}

),

-- 计划内企业（入选与重点监管）带上分类结果中的名称与分值：只连接这些企业一次（区划名称抽取时已带上）
planned as (

    select
        draw.*,
        scores.enterprise_name,
        scores.score,
        case when draw.exclusion_reason = 'key_supervision' then '重点监管' else '双随机抽查' end as plan_type
    from draw
    inner join scores
        on draw.uscc = scores.uscc
    where draw.is_drawn or draw.exclusion_reason = 'key_supervision'

),

inspectors as (

    select * from {{ ref('ref_inspectors') }}
    where {{ rule_in_force(as_of_date()) }}

),

conflicts as (

    select * from {{ ref('int_risk__inspector_conflicts') }}

),

-- 每户可选派人员的辖区：登记区划与所在省级（两者相同则一个）；等值连接，不做逐对比较
planned_jurisdictions as (

    select uscc, region_code as jurisdiction_code
    from planned
    union
    select uscc, concat(left(region_code, 2), '0000') as jurisdiction_code
    from planned

),

candidates as (

    select
        planned.uscc,
        inspectors.inspector_id,
        inspectors.inspector_name,
        inspectors.unit_name,
        conflicts.inspector_id is not null as is_conflicted,
        md5(concat(planned.plan_seed, '|', planned.uscc, '|', inspectors.inspector_id)) as pick_key
    from planned
    inner join planned_jurisdictions
        on planned.uscc = planned_jurisdictions.uscc
    inner join inspectors
        on planned_jurisdictions.jurisdiction_code = inspectors.jurisdiction_code
    left join conflicts
        on inspectors.inspector_id = conflicts.inspector_id
        and planned.uscc = conflicts.uscc

),

-- 每户按 pick_key 升序取前 inspectors_per_inspection 名未回避人员（一次聚合取出其执法证号、姓名与单位）
picked as (

    select
        candidates.uscc,
        {{ first_n_rows(
            {'inspector_id': 'candidates.inspector_id', 'inspector_name': 'candidates.inspector_name',
             'unit_name': 'candidates.unit_name'},
            'candidates.pick_key', 'params.inspectors_per_inspection', where='not candidates.is_conflicted'
        ) }} as inspectors,
        least(count(*) filter (where not candidates.is_conflicted), params.inspectors_per_inspection)
            as assigned_count,
        count(*) filter (where candidates.is_conflicted) as recused_count
    from candidates
    cross join params
    group by candidates.uscc, params.inspectors_per_inspection

),

assigned as (

    select
        uscc,
        {{ list_field_joined('inspectors', 'inspector_id', "';'") }} as inspector_ids,
        {{ list_field_joined('inspectors', 'inspector_name', "';'") }} as inspector_names,
        {{ list_field_joined('inspectors', 'unit_name', "';'", distinct_sorted=true) }} as inspector_units,
        assigned_count,
        recused_count
    from picked

),

final as (

    select
        concat('SJ', {{ format_date('planned.plan_date', "%Y%m%d") }}, '-', planned.plan_seed) as plan_id,
        planned.plan_date,
        planned.plan_seed,
        planned.uscc,
        planned.enterprise_name,
        planned.region_code,
        planned.region_name,
        planned.risk_class,
        planned.score,
        planned.plan_type,
        planned.key_item_codes,
        planned.key_item_names,
        planned.sampling_ratio,
        planned.stratum_eligible,
        planned.stratum_quota,
        planned.class_eligible,
        planned.class_quota,
        planned.draw_rank,
        planned.draw_key,
        planned.prior_count as prior_random_inspections,
        assigned.inspector_ids,
        assigned.inspector_names,
        assigned.inspector_units,
        cast(coalesce(assigned.assigned_count, 0) as integer) as assigned_inspector_count,
        cast(coalesce(assigned.recused_count, 0) as integer) as recused_inspector_count,
        coalesce(assigned.assigned_count, 0) >= params.inspectors_per_inspection as is_fully_staffed,
        case planned.plan_type
            when '双随机抽查'
                then {{ format_text(
                        "'随机种子 {}；{}类全辖区可抽 {} 户，按比例 {} 应抽 {} 户，按最大余数法分到各区划；{}{}类可抽 {} 户'"
                        ~ " || '（近 {} 天双随机抽查 {} 次，未超该类频次上限），分得 {} 户；本户排序值 md5(\"{}|{}\") 居第 {} 位，入选。'",
                        ['planned.plan_seed', 'planned.risk_class', 'planned.class_eligible', 'planned.sampling_ratio',
                         'planned.class_quota', 'planned.region_name', 'planned.risk_class', 'planned.stratum_eligible',
                         'planned.frequency_window_days', 'planned.prior_count', 'planned.stratum_quota',
                         'planned.plan_seed', 'planned.uscc', 'planned.draw_rank']
                    ) }}
            else {{ format_text("'列入重点监管事项清单（{}），全部检查，不参与随机抽取。'", ['planned.key_item_names']) }}
        end
        || {{ format_text(
            "'检查人员按 md5(\"{}|{}|执法证号\") 排序选派 {} 名'",
            ['planned.plan_seed', 'planned.uscc', 'coalesce(assigned.assigned_count, 0)']
        ) }}
        || case when coalesce(assigned.recused_count, 0) > 0
                then {{ format_text("'，所在单位近一年处罚过该企业的 {} 名人员已回避'", ['assigned.recused_count']) }}
            else ''
        end
        || case when coalesce(assigned.assigned_count, 0) < params.inspectors_per_inspection
                then '；可选派人员不足，须人工补派'
            else ''
        end
        || '。' as draw_explanation
    from planned
    cross join params
    left join assigned
        on planned.uscc = assigned.uscc

)

select * from final
