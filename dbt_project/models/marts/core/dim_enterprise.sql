-- 市场主体维表：每个统一社会信用代码一行，取最新一次登记。选取与补名逻辑在 int_registry__enterprises，
-- 本表只按合同（_core__models.yml）定型落表，供集市、质量关口与发布使用。

select * from {{ ref('int_registry__enterprises') }}
