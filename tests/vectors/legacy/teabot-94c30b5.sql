BEGIN TRANSACTION;
CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '');
INSERT INTO "audit" VALUES(1,'2026-12-01T16:33:50.934738+00:00','config','group.create','研发一组','');
INSERT INTO "audit" VALUES(2,'2026-12-01T16:33:50.935294+00:00','config','group.create','研发二组','');
INSERT INTO "audit" VALUES(3,'2026-12-01T16:33:50.937366+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','group.create','市场部','');
INSERT INTO "audit" VALUES(4,'2026-12-01T16:33:50.937891+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','group.create','设计组','');
INSERT INTO "audit" VALUES(5,'2026-12-01T16:33:50.938432+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','group.create','运维组','');
INSERT INTO "audit" VALUES(6,'2026-12-01T16:33:50.940682+00:00','o5_YJLrkrB-EvsJzkU-PKwDfd08L','register','1','研发一组 孙八');
INSERT INTO "audit" VALUES(7,'2026-12-01T16:33:50.944946+00:00','orGvK6Nrj70-BvEzu72hmzEuUVJA','register','2','研发一组 张三');
INSERT INTO "audit" VALUES(8,'2026-12-01T16:33:50.947564+00:00','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','register','3','研发一组 李四');
INSERT INTO "audit" VALUES(9,'2026-12-01T16:33:50.949569+00:00','ooNNJXOxreBXo2R79BNlYo54Rd1t','register','4','研发一组 王五');
INSERT INTO "audit" VALUES(10,'2026-12-01T16:33:50.952102+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw','register','5','研发二组 赵六');
INSERT INTO "audit" VALUES(11,'2026-12-01T16:33:50.954507+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB','register','6','研发二组 钱七');
INSERT INTO "audit" VALUES(12,'2026-12-01T16:33:50.956630+00:00','o5_YJLrkrB-EvsJzkU-PKwDfd08L','register','7','研发二组 孙八');
INSERT INTO "audit" VALUES(13,'2026-12-01T16:33:50.958839+00:00','ooE4Uq3rigtQsw2Px-ffDV_OyVzx','register','8','市场部 周九');
INSERT INTO "audit" VALUES(14,'2026-12-01T16:33:50.960733+00:00','ot-45SaPVmcHGuQ9VdY8Qghp16Sd','register','9','市场部 吴十');
INSERT INTO "audit" VALUES(15,'2026-12-01T16:33:50.962548+00:00','oMlbRDyFnOuII5GftDONyw2tmLOd','register','10','设计组 郑一');
INSERT INTO "audit" VALUES(16,'2026-12-01T16:33:50.964464+00:00','oRF23JqsVzlGw49CjFkp2fadLa38','register','11','设计组 陈二');
INSERT INTO "audit" VALUES(17,'2026-12-01T16:33:50.966286+00:00','oDXQVsGXWQfm1MlEdgVFPsiHBMif','register','12','运维组 Alice Wang');
INSERT INTO "audit" VALUES(18,'2026-12-01T16:33:50.968250+00:00','oPAnOdY2NxDuyaUUYaLZnnvSz9RE','register','13','运维组 林小雨');
INSERT INTO "audit" VALUES(19,'2026-12-01T16:33:50.970685+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','orGvK6Nrj70-BvEzu72hmzEuUVJA','#2 研发一组 张三');
INSERT INTO "audit" VALUES(20,'2026-12-01T16:33:50.971555+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','#3 研发一组 李四');
INSERT INTO "audit" VALUES(21,'2026-12-01T16:33:50.972319+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','ooNNJXOxreBXo2R79BNlYo54Rd1t','#4 研发一组 王五');
INSERT INTO "audit" VALUES(22,'2026-12-01T16:33:50.973074+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','oNRqYkrjazhd26U1t8qaxtlUpVMw','#5 研发二组 赵六');
INSERT INTO "audit" VALUES(23,'2026-12-01T16:33:50.973832+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','oXFsNug7uReqrnKqqSYJDnxv4xsB','#6 研发二组 钱七');
INSERT INTO "audit" VALUES(24,'2026-12-01T16:33:50.974592+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','o5_YJLrkrB-EvsJzkU-PKwDfd08L','#7 研发二组 孙八');
INSERT INTO "audit" VALUES(25,'2026-12-01T16:33:50.975396+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','ooE4Uq3rigtQsw2Px-ffDV_OyVzx','#8 市场部 周九');
INSERT INTO "audit" VALUES(26,'2026-12-01T16:33:50.976157+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','ot-45SaPVmcHGuQ9VdY8Qghp16Sd','#9 市场部 吴十');
INSERT INTO "audit" VALUES(27,'2026-12-01T16:33:50.976917+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','oMlbRDyFnOuII5GftDONyw2tmLOd','#10 设计组 郑一');
INSERT INTO "audit" VALUES(28,'2026-12-01T16:33:50.977668+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','oRF23JqsVzlGw49CjFkp2fadLa38','#11 设计组 陈二');
INSERT INTO "audit" VALUES(29,'2026-12-01T16:33:50.978969+00:00','oFSJhJjzV-9OAO7Rtdy9Auck4XYl','approve','oDXQVsGXWQfm1MlEdgVFPsiHBMif','#12 运维组 Alice Wang');
INSERT INTO "audit" VALUES(30,'2026-12-01T16:33:50.979765+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','oPAnOdY2NxDuyaUUYaLZnnvSz9RE','#13 运维组 林小雨');
INSERT INTO "audit" VALUES(31,'2026-12-01T16:33:50.980867+00:00','o-8jEpWVxu9DXaigljkBKT71WxP9','register','14','市场部 路人甲');
INSERT INTO "audit" VALUES(32,'2026-12-01T16:33:50.982497+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','reject','o-8jEpWVxu9DXaigljkBKT71WxP9','#14 市场部 路人甲 不是本中心员工');
INSERT INTO "audit" VALUES(33,'2026-12-01T16:33:50.984222+00:00','oxTEvcWby-ezO1GyKQoRPHYZgapN','register','15','设计组 何新');
INSERT INTO "audit" VALUES(34,'2026-12-01T16:33:50.986057+00:00','ooNNJXOxreBXo2R79BNlYo54Rd1t','register','16','设计组 王五');
INSERT INTO "audit" VALUES(35,'2026-12-01T16:33:50.988200+00:00','orGvK6Nrj70-BvEzu72hmzEuUVJA','expense.record','1','8650 奶茶10杯');
INSERT INTO "audit" VALUES(36,'2026-12-01T16:33:50.989023+00:00','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','expense.record','2','12000 蛋糕(生日会)');
INSERT INTO "audit" VALUES(37,'2026-12-01T16:33:50.989698+00:00','ooNNJXOxreBXo2R79BNlYo54Rd1t','expense.record','3','3500 ');
INSERT INTO "audit" VALUES(38,'2026-12-01T16:33:50.990332+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw','expense.record','4','1250 喜茶 多肉葡萄');
INSERT INTO "audit" VALUES(39,'2026-12-01T16:33:50.990965+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB','expense.record','5','20000 面包');
INSERT INTO "audit" VALUES(40,'2026-12-01T16:33:50.991674+00:00','o5_YJLrkrB-EvsJzkU-PKwDfd08L','expense.record','6','5800 =SUM(A1:A3)');
INSERT INTO "audit" VALUES(41,'2026-12-01T16:33:50.992281+00:00','ooE4Uq3rigtQsw2Px-ffDV_OyVzx','expense.record','7','990 寿司');
INSERT INTO "audit" VALUES(42,'2026-12-01T16:33:50.992880+00:00','ot-45SaPVmcHGuQ9VdY8Qghp16Sd','expense.record','8','6660 水果 拼盘');
INSERT INTO "audit" VALUES(43,'2026-12-01T16:33:50.993456+00:00','oMlbRDyFnOuII5GftDONyw2tmLOd','expense.record','9','15000 咖啡 & 甜点');
INSERT INTO "audit" VALUES(44,'2026-12-01T16:33:50.994065+00:00','oRF23JqsVzlGw49CjFkp2fadLa38','expense.record','10','4320 周五 下午茶');
INSERT INTO "audit" VALUES(45,'2026-12-01T16:33:50.994703+00:00','oDXQVsGXWQfm1MlEdgVFPsiHBMif','expense.record','11','1800 ''引号'' "双引号"');
INSERT INTO "audit" VALUES(46,'2026-12-01T16:33:50.995466+00:00','oPAnOdY2NxDuyaUUYaLZnnvSz9RE','expense.record','12','29900 酸奶 10 盒');
INSERT INTO "audit" VALUES(47,'2026-12-01T16:33:50.996155+00:00','orGvK6Nrj70-BvEzu72hmzEuUVJA','expense.record','13','7650 绿豆汤');
INSERT INTO "audit" VALUES(48,'2026-12-01T16:33:50.996791+00:00','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','expense.record','14','2400 冰淇淋');
INSERT INTO "audit" VALUES(49,'2026-12-01T16:33:50.997367+00:00','ooNNJXOxreBXo2R79BNlYo54Rd1t','expense.record','15','11000 =1+1');
INSERT INTO "audit" VALUES(50,'2026-12-01T16:33:50.997973+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw','expense.record','16','880 星巴克 Latte x3');
INSERT INTO "audit" VALUES(51,'2026-12-01T16:33:50.998517+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB','expense.record','17','4500 零食');
INSERT INTO "audit" VALUES(52,'2026-12-01T16:33:50.999135+00:00','o5_YJLrkrB-EvsJzkU-PKwDfd08L','expense.record','18','32000 烤串 🍢');
INSERT INTO "audit" VALUES(53,'2026-12-01T16:33:50.999865+00:00','ooE4Uq3rigtQsw2Px-ffDV_OyVzx','expense.record','19','2730 坚果礼盒');
INSERT INTO "audit" VALUES(54,'2026-12-01T16:33:51.000492+00:00','ot-45SaPVmcHGuQ9VdY8Qghp16Sd','expense.record','20','6400 披萨 2 个');
INSERT INTO "audit" VALUES(55,'2026-12-01T16:33:51.001053+00:00','oMlbRDyFnOuII5GftDONyw2tmLOd','expense.record','21','8650 奶茶10杯');
INSERT INTO "audit" VALUES(56,'2026-12-01T16:33:51.001630+00:00','oRF23JqsVzlGw49CjFkp2fadLa38','expense.record','22','12000 蛋糕(生日会)');
INSERT INTO "audit" VALUES(57,'2026-12-01T16:33:51.002206+00:00','oDXQVsGXWQfm1MlEdgVFPsiHBMif','expense.record','23','3500 ');
INSERT INTO "audit" VALUES(58,'2026-12-01T16:33:51.002774+00:00','oPAnOdY2NxDuyaUUYaLZnnvSz9RE','expense.record','24','1250 喜茶 多肉葡萄');
INSERT INTO "audit" VALUES(59,'2026-12-01T16:33:51.003334+00:00','orGvK6Nrj70-BvEzu72hmzEuUVJA','expense.record','25','20000 面包');
INSERT INTO "audit" VALUES(60,'2026-12-01T16:33:51.003877+00:00','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','expense.record','26','5800 =SUM(A1:A3)');
INSERT INTO "audit" VALUES(61,'2026-12-01T16:33:51.004486+00:00','ooNNJXOxreBXo2R79BNlYo54Rd1t','expense.record','27','990 寿司');
INSERT INTO "audit" VALUES(62,'2026-12-01T16:33:51.005068+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw','expense.record','28','6660 水果 拼盘');
INSERT INTO "audit" VALUES(63,'2026-12-01T16:33:51.005711+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB','expense.record','29','15000 咖啡 & 甜点');
INSERT INTO "audit" VALUES(64,'2026-12-01T16:33:51.006314+00:00','o5_YJLrkrB-EvsJzkU-PKwDfd08L','expense.record','30','4320 周五 下午茶');
INSERT INTO "audit" VALUES(65,'2026-12-01T16:33:51.006909+00:00','ooE4Uq3rigtQsw2Px-ffDV_OyVzx','expense.record','31','1800 ''引号'' "双引号"');
INSERT INTO "audit" VALUES(66,'2026-12-01T16:33:51.007511+00:00','ot-45SaPVmcHGuQ9VdY8Qghp16Sd','expense.record','32','29900 酸奶 10 盒');
INSERT INTO "audit" VALUES(67,'2026-12-01T16:33:51.008163+00:00','oMlbRDyFnOuII5GftDONyw2tmLOd','expense.record','33','7650 绿豆汤');
INSERT INTO "audit" VALUES(68,'2026-12-01T16:33:51.008749+00:00','oRF23JqsVzlGw49CjFkp2fadLa38','expense.record','34','2400 冰淇淋');
INSERT INTO "audit" VALUES(69,'2026-12-01T16:33:51.010468+00:00','orGvK6Nrj70-BvEzu72hmzEuUVJA','expense.record','35','120000 年会 零食 采购');
INSERT INTO "audit" VALUES(70,'2026-12-01T16:33:51.011545+00:00','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','expense.record','36','4500 下午茶 第一轮');
INSERT INTO "audit" VALUES(71,'2026-12-01T16:33:51.012997+00:00','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','expense.record','37','4500 下午茶 第一轮');
INSERT INTO "audit" VALUES(72,'2026-12-01T16:33:51.014205+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw','expense.void','4','1250 喜茶 多肉葡萄');
INSERT INTO "audit" VALUES(73,'2026-12-01T16:33:51.014730+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB','expense.void','5','20000 面包');
INSERT INTO "audit" VALUES(74,'2026-12-01T16:33:51.015254+00:00','o5_YJLrkrB-EvsJzkU-PKwDfd08L','expense.void','6','5800 =SUM(A1:A3)');
INSERT INTO "audit" VALUES(75,'2026-12-01T16:33:51.015711+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','expense.void','11','1800 ''引号'' "双引号"');
INSERT INTO "audit" VALUES(76,'2026-12-01T16:33:51.016930+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','approve','ooNNJXOxreBXo2R79BNlYo54Rd1t','#16 设计组 王五');
INSERT INTO "audit" VALUES(77,'2026-12-01T16:33:51.019646+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','settle','1','group=1 count=12 total_fen=200990');
INSERT INTO "audit" VALUES(78,'2026-12-01T16:33:51.023981+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','settle','2','group=2 count=6 total_fen=63360');
INSERT INTO "audit" VALUES(79,'2026-12-01T16:33:51.027895+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','settle.reverse','2','reopened=6');
INSERT INTO "audit" VALUES(80,'2026-12-01T16:33:51.030722+00:00','oDXQVsGXWQfm1MlEdgVFPsiHBMif','expense.record','38','11000 =1+1');
INSERT INTO "audit" VALUES(81,'2026-12-01T16:33:51.031362+00:00','oPAnOdY2NxDuyaUUYaLZnnvSz9RE','expense.record','39','880 星巴克 Latte x3');
INSERT INTO "audit" VALUES(82,'2026-12-01T16:33:51.032019+00:00','orGvK6Nrj70-BvEzu72hmzEuUVJA','expense.record','40','4500 零食');
INSERT INTO "audit" VALUES(83,'2026-12-01T16:33:51.032702+00:00','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','expense.record','41','32000 烤串 🍢');
INSERT INTO "audit" VALUES(84,'2026-12-01T16:33:51.033382+00:00','ooNNJXOxreBXo2R79BNlYo54Rd1t','expense.record','42','2730 坚果礼盒');
INSERT INTO "audit" VALUES(85,'2026-12-01T16:33:51.034021+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw','expense.record','43','6400 披萨 2 个');
INSERT INTO "audit" VALUES(86,'2026-12-01T16:33:51.034651+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB','expense.record','44','8650 奶茶10杯');
INSERT INTO "audit" VALUES(87,'2026-12-01T16:33:51.035433+00:00','o5_YJLrkrB-EvsJzkU-PKwDfd08L','expense.record','45','12000 蛋糕(生日会)');
INSERT INTO "audit" VALUES(88,'2026-12-01T16:33:51.036098+00:00','ooE4Uq3rigtQsw2Px-ffDV_OyVzx','expense.record','46','3500 ');
INSERT INTO "audit" VALUES(89,'2026-12-01T16:33:51.036712+00:00','ot-45SaPVmcHGuQ9VdY8Qghp16Sd','expense.record','47','1250 喜茶 多肉葡萄');
INSERT INTO "audit" VALUES(90,'2026-12-01T16:33:51.037291+00:00','oMlbRDyFnOuII5GftDONyw2tmLOd','expense.record','48','20000 面包');
INSERT INTO "audit" VALUES(91,'2026-12-01T16:33:51.037850+00:00','oRF23JqsVzlGw49CjFkp2fadLa38','expense.record','49','5800 =SUM(A1:A3)');
INSERT INTO "audit" VALUES(92,'2026-12-01T16:33:51.038470+00:00','oDXQVsGXWQfm1MlEdgVFPsiHBMif','expense.record','50','990 寿司');
INSERT INTO "audit" VALUES(93,'2026-12-01T16:33:51.039031+00:00','oPAnOdY2NxDuyaUUYaLZnnvSz9RE','expense.record','51','6660 水果 拼盘');
INSERT INTO "audit" VALUES(94,'2026-12-01T16:33:51.039671+00:00','orGvK6Nrj70-BvEzu72hmzEuUVJA','expense.record','52','15000 咖啡 & 甜点');
INSERT INTO "audit" VALUES(95,'2026-12-01T16:33:51.040256+00:00','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','expense.record','53','4320 周五 下午茶');
INSERT INTO "audit" VALUES(96,'2026-12-01T16:33:51.041867+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','settle','3','group=1 count=4 total_fen=55820');
INSERT INTO "audit" VALUES(97,'2026-12-01T16:33:51.042159+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','settle','4','group=2 count=9 total_fen=90410');
INSERT INTO "audit" VALUES(98,'2026-12-01T16:33:51.042312+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','settle','5','group=3 count=8 total_fen=53230');
INSERT INTO "audit" VALUES(99,'2026-12-01T16:33:51.042393+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','settle','6','group=4 count=9 total_fen=78550');
INSERT INTO "audit" VALUES(100,'2026-12-01T16:33:51.042458+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','settle','7','group=5 count=7 total_fen=54180');
INSERT INTO "audit" VALUES(101,'2026-12-01T16:33:51.052278+00:00','ooNNJXOxreBXo2R79BNlYo54Rd1t','expense.record','54','1800 ''引号'' "双引号"');
INSERT INTO "audit" VALUES(102,'2026-12-01T16:33:51.052957+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw','expense.record','55','29900 酸奶 10 盒');
INSERT INTO "audit" VALUES(103,'2026-12-01T16:33:51.053562+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB','expense.record','56','7650 绿豆汤');
INSERT INTO "audit" VALUES(104,'2026-12-01T16:33:51.054156+00:00','o5_YJLrkrB-EvsJzkU-PKwDfd08L','expense.record','57','2400 冰淇淋');
INSERT INTO "audit" VALUES(105,'2026-12-01T16:33:51.054808+00:00','ooE4Uq3rigtQsw2Px-ffDV_OyVzx','expense.record','58','11000 =1+1');
INSERT INTO "audit" VALUES(106,'2026-12-01T16:33:51.055422+00:00','ot-45SaPVmcHGuQ9VdY8Qghp16Sd','expense.record','59','880 星巴克 Latte x3');
INSERT INTO "audit" VALUES(107,'2026-12-01T16:33:51.056026+00:00','oMlbRDyFnOuII5GftDONyw2tmLOd','expense.record','60','4500 零食');
INSERT INTO "audit" VALUES(108,'2026-12-01T16:33:51.056605+00:00','oRF23JqsVzlGw49CjFkp2fadLa38','expense.record','61','32000 烤串 🍢');
INSERT INTO "audit" VALUES(109,'2026-12-01T16:33:51.057173+00:00','oDXQVsGXWQfm1MlEdgVFPsiHBMif','expense.record','62','2730 坚果礼盒');
INSERT INTO "audit" VALUES(110,'2026-12-01T16:33:51.057730+00:00','oPAnOdY2NxDuyaUUYaLZnnvSz9RE','expense.record','63','6400 披萨 2 个');
INSERT INTO "audit" VALUES(111,'2026-12-01T16:33:51.058276+00:00','orGvK6Nrj70-BvEzu72hmzEuUVJA','expense.record','64','8650 奶茶10杯');
INSERT INTO "audit" VALUES(112,'2026-12-01T16:33:51.058889+00:00','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','expense.record','65','12000 蛋糕(生日会)');
INSERT INTO "audit" VALUES(113,'2026-12-01T16:33:51.059461+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw','expense.void','55','29900 酸奶 10 盒');
INSERT INTO "audit" VALUES(114,'2026-12-01T16:33:51.060076+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB','expense.void','56','7650 绿豆汤');
INSERT INTO "audit" VALUES(115,'2026-12-01T16:33:51.061759+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','settle','8','group=3 count=2 total_fen=11880');
INSERT INTO "audit" VALUES(116,'2026-12-01T16:33:51.064459+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw','pay.create','TB20261202003351D7CDAF95','1250 static 奶茶');
INSERT INTO "audit" VALUES(117,'2026-12-01T16:33:51.065282+00:00','oRF23JqsVzlGw49CjFkp2fadLa38','pay.create','TB202612020033516CCFEC0C','3000 static 水果 拼盘');
INSERT INTO "audit" VALUES(118,'2026-12-01T16:33:51.065904+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','pay.confirm','TB20261202003351D7CDAF95','1250');
INSERT INTO "audit" VALUES(119,'2026-12-01T16:33:51.069013+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','lottery.create','1','周五下午茶 一等奖×1、奶茶券×3');
INSERT INTO "audit" VALUES(120,'2026-12-01T16:33:51.069698+00:00','orGvK6Nrj70-BvEzu72hmzEuUVJA','lottery.join','1','join_no=1');
INSERT INTO "audit" VALUES(121,'2026-12-01T16:33:51.070113+00:00','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','lottery.join','1','join_no=2');
INSERT INTO "audit" VALUES(122,'2026-12-01T16:33:51.070496+00:00','ooNNJXOxreBXo2R79BNlYo54Rd1t','lottery.join','1','join_no=3');
INSERT INTO "audit" VALUES(123,'2026-12-01T16:33:51.070860+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw','lottery.join','1','join_no=4');
INSERT INTO "audit" VALUES(124,'2026-12-01T16:33:51.071233+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB','lottery.join','1','join_no=5');
INSERT INTO "audit" VALUES(125,'2026-12-01T16:33:51.071628+00:00','o5_YJLrkrB-EvsJzkU-PKwDfd08L','lottery.join','1','join_no=6');
INSERT INTO "audit" VALUES(126,'2026-12-01T16:33:51.072004+00:00','ooE4Uq3rigtQsw2Px-ffDV_OyVzx','lottery.join','1','join_no=7');
INSERT INTO "audit" VALUES(127,'2026-12-01T16:33:51.072385+00:00','ot-45SaPVmcHGuQ9VdY8Qghp16Sd','lottery.join','1','join_no=8');
INSERT INTO "audit" VALUES(128,'2026-12-01T16:33:51.072756+00:00','oMlbRDyFnOuII5GftDONyw2tmLOd','lottery.join','1','join_no=9');
INSERT INTO "audit" VALUES(129,'2026-12-01T16:33:51.073383+00:00','ot-45SaPVmcHGuQ9VdY8Qghp16Sd','lottery.leave','1','');
INSERT INTO "audit" VALUES(130,'2026-12-01T16:33:51.073871+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','lottery.lock','1','');
INSERT INTO "audit" VALUES(131,'2026-12-01T16:33:51.074499+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','lottery.draw','1','participants=8 winners=4');
INSERT INTO "audit" VALUES(132,'2026-12-01T16:33:51.077332+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','lottery.create','2','奶茶 抽奖 奶茶券×2');
INSERT INTO "audit" VALUES(133,'2026-12-01T16:33:51.078007+00:00','ooE4Uq3rigtQsw2Px-ffDV_OyVzx','lottery.join','2','join_no=1');
INSERT INTO "audit" VALUES(134,'2026-12-01T16:33:51.078658+00:00','oMlbRDyFnOuII5GftDONyw2tmLOd','lottery.join','2','join_no=2');
INSERT INTO "audit" VALUES(135,'2026-12-01T16:33:51.079225+00:00','oDXQVsGXWQfm1MlEdgVFPsiHBMif','lottery.join','2','join_no=3');
INSERT INTO "audit" VALUES(136,'2026-12-01T16:33:51.079311+00:00','full','lottery.lock','2','participants=3');
INSERT INTO "audit" VALUES(137,'2026-12-01T16:33:51.080018+00:00','full','lottery.draw','2','participants=3 winners=2');
INSERT INTO "audit" VALUES(138,'2026-12-01T16:33:51.081047+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','lottery.create','3','月末 抽奖 红包×5');
INSERT INTO "audit" VALUES(139,'2026-12-01T16:33:51.081707+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB','lottery.join','3','join_no=1');
INSERT INTO "audit" VALUES(140,'2026-12-01T16:33:51.083447+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','lottery.cancel','3','');
INSERT INTO "audit" VALUES(141,'2026-12-01T16:33:51.084209+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','lottery.create','4','下周 下午茶 蛋糕×2');
INSERT INTO "audit" VALUES(142,'2026-12-01T16:33:51.084593+00:00','oPAnOdY2NxDuyaUUYaLZnnvSz9RE','lottery.join','4','join_no=1');
INSERT INTO "audit" VALUES(143,'2026-12-01T16:33:51.084946+00:00','o5_YJLrkrB-EvsJzkU-PKwDfd08L','lottery.join','4','join_no=2');
CREATE TABLE confirmations (
        openid TEXT PRIMARY KEY,
        command_text TEXT NOT NULL,                   -- the normalised text that asked, run again on 确认
        prompt TEXT NOT NULL,                         -- what will happen, exactly as the user was told
        created_at TEXT NOT NULL,                     -- UTC
        expires_at TEXT NOT NULL,                     -- UTC: pending, when it lapses; running, when abandoned
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done')),
        done_msg_id TEXT,                             -- the 确认 message that claimed it (running, done)
        reply TEXT);
INSERT INTO "confirmations" VALUES('orGvK6Nrj70-BvEzu72hmzEuUVJA','1 1200 年会 零食 采购','将记录：1,200.00 元 年会 零食 采购（2026-12-02，研发一组）
金额超过 1,000.00 元，请核对。','2026-12-01T16:33:51.009394+00:00','2026-12-01T16:34:51.009998+00:00','done','24570000000000077','已记录 #35：1,200.00 元 年会 零食 采购（2026-12-02，研发一组）
你的未报销合计：1,563.00 元
记错了？发送 7 35 作废');
INSERT INTO "confirmations" VALUES('oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','1 45 下午茶 第一轮','将记录：45.00 元 下午茶 第一轮（2026-12-02，研发一组）
10 分钟内你已记过一笔相同的（#36），如果是重复发送，不用确认。','2026-12-01T16:33:51.012110+00:00','2026-12-01T16:34:51.012542+00:00','done','24570000000000080','已记录 #37：45.00 元 下午茶 第一轮（2026-12-02，研发一组）
你的未报销合计：292.00 元
记错了？发送 7 37 作废');
INSERT INTO "confirmations" VALUES('oziCIFV2R1zxqo3C2_RvfYDmMhbz','82 运维组','将结算（标记为已报销并通知垫付人）：
【运维组】2 笔，合计 91.30 元
  林小雨：64.00 元（1 笔）
  Alice Wang：27.30 元（1 笔）','2026-12-01T16:33:51.085584+00:00','2026-12-01T16:43:51.085584+00:00','pending',NULL,NULL);
CREATE TABLE expenses (
        id INTEGER PRIMARY KEY,
        openid TEXT NOT NULL REFERENCES users(openid),
        group_id INTEGER NOT NULL REFERENCES groups(id),
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        note TEXT NOT NULL DEFAULT '',
        spent_on TEXT NOT NULL,                       -- local date YYYY-MM-DD
        recorded_at TEXT NOT NULL,                    -- UTC
        source_msg_id TEXT UNIQUE,                    -- WeChat MsgId: a retry never records twice
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled', 'void')),
        settlement_id INTEGER,
        voided_at TEXT,
        voided_by TEXT);
INSERT INTO "expenses" VALUES(1,'orGvK6Nrj70-BvEzu72hmzEuUVJA',1,8650,'奶茶10杯','2026-12-02','2026-12-01T16:33:50.988145+00:00','24570000000000042','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(2,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',1,12000,'蛋糕(生日会)','2026-11-25','2026-12-01T16:33:50.989003+00:00','24570000000000043','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(3,'ooNNJXOxreBXo2R79BNlYo54Rd1t',1,3500,'','2026-11-18','2026-12-01T16:33:50.989678+00:00','24570000000000044','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(4,'oNRqYkrjazhd26U1t8qaxtlUpVMw',2,1250,'喜茶 多肉葡萄','2026-11-11','2026-12-01T16:33:50.990312+00:00','24570000000000045','void',NULL,'2026-12-01T16:33:51.014161+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw');
INSERT INTO "expenses" VALUES(5,'oXFsNug7uReqrnKqqSYJDnxv4xsB',2,20000,'面包','2026-11-04','2026-12-01T16:33:50.990947+00:00','24570000000000046','void',NULL,'2026-12-01T16:33:51.014707+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB');
INSERT INTO "expenses" VALUES(6,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',2,5800,'=SUM(A1:A3)','2026-12-02','2026-12-01T16:33:50.991655+00:00','24570000000000047','void',NULL,'2026-12-01T16:33:51.015232+00:00','o5_YJLrkrB-EvsJzkU-PKwDfd08L');
INSERT INTO "expenses" VALUES(7,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',3,990,'寿司','2026-10-21','2026-12-01T16:33:50.992264+00:00','24570000000000048','settled',5,NULL,NULL);
INSERT INTO "expenses" VALUES(8,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',3,6660,'水果 拼盘','2026-10-14','2026-12-01T16:33:50.992862+00:00','24570000000000049','settled',5,NULL,NULL);
INSERT INTO "expenses" VALUES(9,'oMlbRDyFnOuII5GftDONyw2tmLOd',4,15000,'咖啡 & 甜点','2026-10-07','2026-12-01T16:33:50.993439+00:00','24570000000000050','settled',6,NULL,NULL);
INSERT INTO "expenses" VALUES(10,'oRF23JqsVzlGw49CjFkp2fadLa38',4,4320,'周五 下午茶','2026-09-30','2026-12-01T16:33:50.994046+00:00','24570000000000051','settled',6,NULL,NULL);
INSERT INTO "expenses" VALUES(11,'oDXQVsGXWQfm1MlEdgVFPsiHBMif',5,1800,'''引号'' "双引号"','2026-12-02','2026-12-01T16:33:50.994684+00:00','24570000000000052','void',NULL,'2026-12-01T16:33:51.015687+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz');
INSERT INTO "expenses" VALUES(12,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE',5,29900,'酸奶 10 盒','2026-09-16','2026-12-01T16:33:50.995448+00:00','24570000000000053','settled',7,NULL,NULL);
INSERT INTO "expenses" VALUES(13,'orGvK6Nrj70-BvEzu72hmzEuUVJA',1,7650,'绿豆汤','2026-11-29','2026-12-01T16:33:50.996137+00:00','24570000000000054','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(14,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',1,2400,'冰淇淋','2026-11-22','2026-12-01T16:33:50.996775+00:00','24570000000000055','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(15,'ooNNJXOxreBXo2R79BNlYo54Rd1t',1,11000,'=1+1','2026-11-15','2026-12-01T16:33:50.997350+00:00','24570000000000056','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(16,'oNRqYkrjazhd26U1t8qaxtlUpVMw',2,880,'星巴克 Latte x3','2026-12-02','2026-12-01T16:33:50.997957+00:00','24570000000000057','settled',4,NULL,NULL);
INSERT INTO "expenses" VALUES(17,'oXFsNug7uReqrnKqqSYJDnxv4xsB',2,4500,'零食','2026-11-01','2026-12-01T16:33:50.998501+00:00','24570000000000058','settled',4,NULL,NULL);
INSERT INTO "expenses" VALUES(18,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',2,32000,'烤串 🍢','2026-10-25','2026-12-01T16:33:50.999116+00:00','24570000000000059','settled',4,NULL,NULL);
INSERT INTO "expenses" VALUES(19,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',3,2730,'坚果礼盒','2026-10-18','2026-12-01T16:33:50.999849+00:00','24570000000000060','settled',5,NULL,NULL);
INSERT INTO "expenses" VALUES(20,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',3,6400,'披萨 2 个','2026-10-11','2026-12-01T16:33:51.000477+00:00','24570000000000061','settled',5,NULL,NULL);
INSERT INTO "expenses" VALUES(21,'oMlbRDyFnOuII5GftDONyw2tmLOd',4,8650,'奶茶10杯','2026-12-02','2026-12-01T16:33:51.001037+00:00','24570000000000062','settled',6,NULL,NULL);
INSERT INTO "expenses" VALUES(22,'oRF23JqsVzlGw49CjFkp2fadLa38',4,12000,'蛋糕(生日会)','2026-09-27','2026-12-01T16:33:51.001614+00:00','24570000000000063','settled',6,NULL,NULL);
INSERT INTO "expenses" VALUES(23,'oDXQVsGXWQfm1MlEdgVFPsiHBMif',5,3500,'','2026-09-20','2026-12-01T16:33:51.002189+00:00','24570000000000064','settled',7,NULL,NULL);
INSERT INTO "expenses" VALUES(24,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE',5,1250,'喜茶 多肉葡萄','2026-09-13','2026-12-01T16:33:51.002758+00:00','24570000000000065','settled',7,NULL,NULL);
INSERT INTO "expenses" VALUES(25,'orGvK6Nrj70-BvEzu72hmzEuUVJA',1,20000,'面包','2026-11-26','2026-12-01T16:33:51.003318+00:00','24570000000000066','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(26,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',1,5800,'=SUM(A1:A3)','2026-12-02','2026-12-01T16:33:51.003861+00:00','24570000000000067','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(27,'ooNNJXOxreBXo2R79BNlYo54Rd1t',1,990,'寿司','2026-11-12','2026-12-01T16:33:51.004463+00:00','24570000000000068','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(28,'oNRqYkrjazhd26U1t8qaxtlUpVMw',2,6660,'水果 拼盘','2026-11-05','2026-12-01T16:33:51.005053+00:00','24570000000000069','settled',4,NULL,NULL);
INSERT INTO "expenses" VALUES(29,'oXFsNug7uReqrnKqqSYJDnxv4xsB',2,15000,'咖啡 & 甜点','2026-10-29','2026-12-01T16:33:51.005695+00:00','24570000000000070','settled',4,NULL,NULL);
INSERT INTO "expenses" VALUES(30,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',2,4320,'周五 下午茶','2026-10-22','2026-12-01T16:33:51.006298+00:00','24570000000000071','settled',4,NULL,NULL);
INSERT INTO "expenses" VALUES(31,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',3,1800,'''引号'' "双引号"','2026-12-02','2026-12-01T16:33:51.006893+00:00','24570000000000072','settled',5,NULL,NULL);
INSERT INTO "expenses" VALUES(32,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',3,29900,'酸奶 10 盒','2026-10-08','2026-12-01T16:33:51.007496+00:00','24570000000000073','settled',5,NULL,NULL);
INSERT INTO "expenses" VALUES(33,'oMlbRDyFnOuII5GftDONyw2tmLOd',4,7650,'绿豆汤','2026-10-01','2026-12-01T16:33:51.008147+00:00','24570000000000074','settled',6,NULL,NULL);
INSERT INTO "expenses" VALUES(34,'oRF23JqsVzlGw49CjFkp2fadLa38',4,2400,'冰淇淋','2026-09-24','2026-12-01T16:33:51.008717+00:00','24570000000000075','settled',6,NULL,NULL);
INSERT INTO "expenses" VALUES(35,'orGvK6Nrj70-BvEzu72hmzEuUVJA',1,120000,'年会 零食 采购','2026-12-02','2026-12-01T16:33:51.010450+00:00','24570000000000077','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(36,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',1,4500,'下午茶 第一轮','2026-12-02','2026-12-01T16:33:51.011527+00:00','24570000000000078','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(37,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',1,4500,'下午茶 第一轮','2026-12-02','2026-12-01T16:33:51.012978+00:00','24570000000000080','settled',1,NULL,NULL);
INSERT INTO "expenses" VALUES(38,'oDXQVsGXWQfm1MlEdgVFPsiHBMif',5,11000,'=1+1','2026-11-11','2026-12-01T16:33:51.030698+00:00','24570000000000098','settled',7,NULL,NULL);
INSERT INTO "expenses" VALUES(39,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE',5,880,'星巴克 Latte x3','2026-12-02','2026-12-01T16:33:51.031342+00:00','24570000000000099','settled',7,NULL,NULL);
INSERT INTO "expenses" VALUES(40,'orGvK6Nrj70-BvEzu72hmzEuUVJA',1,4500,'零食','2026-11-28','2026-12-01T16:33:51.031998+00:00','24570000000000100','settled',3,NULL,NULL);
INSERT INTO "expenses" VALUES(41,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',1,32000,'烤串 🍢','2026-11-21','2026-12-01T16:33:51.032684+00:00','24570000000000101','settled',3,NULL,NULL);
INSERT INTO "expenses" VALUES(42,'ooNNJXOxreBXo2R79BNlYo54Rd1t',4,2730,'坚果礼盒','2026-11-14','2026-12-01T16:33:51.033363+00:00','24570000000000102','settled',6,NULL,NULL);
INSERT INTO "expenses" VALUES(43,'oNRqYkrjazhd26U1t8qaxtlUpVMw',2,6400,'披萨 2 个','2026-11-07','2026-12-01T16:33:51.034003+00:00','24570000000000103','settled',4,NULL,NULL);
INSERT INTO "expenses" VALUES(44,'oXFsNug7uReqrnKqqSYJDnxv4xsB',2,8650,'奶茶10杯','2026-12-02','2026-12-01T16:33:51.034633+00:00','24570000000000104','settled',4,NULL,NULL);
INSERT INTO "expenses" VALUES(45,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',2,12000,'蛋糕(生日会)','2026-11-24','2026-12-01T16:33:51.035414+00:00','24570000000000105','settled',4,NULL,NULL);
INSERT INTO "expenses" VALUES(46,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',3,3500,'','2026-11-17','2026-12-01T16:33:51.036081+00:00','24570000000000106','settled',5,NULL,NULL);
INSERT INTO "expenses" VALUES(47,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',3,1250,'喜茶 多肉葡萄','2026-11-10','2026-12-01T16:33:51.036695+00:00','24570000000000107','settled',5,NULL,NULL);
INSERT INTO "expenses" VALUES(48,'oMlbRDyFnOuII5GftDONyw2tmLOd',4,20000,'面包','2026-11-03','2026-12-01T16:33:51.037274+00:00','24570000000000108','settled',6,NULL,NULL);
INSERT INTO "expenses" VALUES(49,'oRF23JqsVzlGw49CjFkp2fadLa38',4,5800,'=SUM(A1:A3)','2026-12-02','2026-12-01T16:33:51.037826+00:00','24570000000000109','settled',6,NULL,NULL);
INSERT INTO "expenses" VALUES(50,'oDXQVsGXWQfm1MlEdgVFPsiHBMif',5,990,'寿司','2026-11-20','2026-12-01T16:33:51.038453+00:00','24570000000000110','settled',7,NULL,NULL);
INSERT INTO "expenses" VALUES(51,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE',5,6660,'水果 拼盘','2026-11-13','2026-12-01T16:33:51.039015+00:00','24570000000000111','settled',7,NULL,NULL);
INSERT INTO "expenses" VALUES(52,'orGvK6Nrj70-BvEzu72hmzEuUVJA',1,15000,'咖啡 & 甜点','2026-11-06','2026-12-01T16:33:51.039653+00:00','24570000000000112','settled',3,NULL,NULL);
INSERT INTO "expenses" VALUES(53,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',1,4320,'周五 下午茶','2026-11-30','2026-12-01T16:33:51.040237+00:00','24570000000000113','settled',3,NULL,NULL);
INSERT INTO "expenses" VALUES(54,'ooNNJXOxreBXo2R79BNlYo54Rd1t',4,1800,'''引号'' "双引号"','2026-12-02','2026-12-01T16:33:51.052249+00:00','24570000000000119','open',NULL,NULL,NULL);
INSERT INTO "expenses" VALUES(55,'oNRqYkrjazhd26U1t8qaxtlUpVMw',2,29900,'酸奶 10 盒','2026-11-27','2026-12-01T16:33:51.052936+00:00','24570000000000120','void',NULL,'2026-12-01T16:33:51.059430+00:00','oNRqYkrjazhd26U1t8qaxtlUpVMw');
INSERT INTO "expenses" VALUES(56,'oXFsNug7uReqrnKqqSYJDnxv4xsB',2,7650,'绿豆汤','2026-12-01','2026-12-01T16:33:51.053543+00:00','24570000000000121','void',NULL,'2026-12-01T16:33:51.060052+00:00','oXFsNug7uReqrnKqqSYJDnxv4xsB');
INSERT INTO "expenses" VALUES(57,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',2,2400,'冰淇淋','2026-11-24','2026-12-01T16:33:51.054138+00:00','24570000000000122','open',NULL,NULL,NULL);
INSERT INTO "expenses" VALUES(58,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',3,11000,'=1+1','2026-11-28','2026-12-01T16:33:51.054784+00:00','24570000000000123','settled',8,NULL,NULL);
INSERT INTO "expenses" VALUES(59,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',3,880,'星巴克 Latte x3','2026-12-02','2026-12-01T16:33:51.055403+00:00','24570000000000124','settled',8,NULL,NULL);
INSERT INTO "expenses" VALUES(60,'oMlbRDyFnOuII5GftDONyw2tmLOd',4,4500,'零食','2026-11-25','2026-12-01T16:33:51.056009+00:00','24570000000000125','open',NULL,NULL,NULL);
INSERT INTO "expenses" VALUES(61,'oRF23JqsVzlGw49CjFkp2fadLa38',4,32000,'烤串 🍢','2026-11-29','2026-12-01T16:33:51.056588+00:00','24570000000000126','open',NULL,NULL,NULL);
INSERT INTO "expenses" VALUES(62,'oDXQVsGXWQfm1MlEdgVFPsiHBMif',5,2730,'坚果礼盒','2026-11-22','2026-12-01T16:33:51.057156+00:00','24570000000000127','open',NULL,NULL,NULL);
INSERT INTO "expenses" VALUES(63,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE',5,6400,'披萨 2 个','2026-11-26','2026-12-01T16:33:51.057713+00:00','24570000000000128','open',NULL,NULL,NULL);
INSERT INTO "expenses" VALUES(64,'orGvK6Nrj70-BvEzu72hmzEuUVJA',1,8650,'奶茶10杯','2026-12-02','2026-12-01T16:33:51.058258+00:00','24570000000000129','open',NULL,NULL,NULL);
INSERT INTO "expenses" VALUES(65,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',1,12000,'蛋糕(生日会)','2026-11-23','2026-12-01T16:33:51.058869+00:00','24570000000000130','open',NULL,NULL,NULL);
CREATE TABLE exports (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('report', 'backup')),
        date TEXT NOT NULL,                           -- local date the file is named after
        trigger TEXT NOT NULL CHECK (trigger IN ('daily', 'manual')),
        state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
        owner TEXT NOT NULL DEFAULT '',               -- host:pid of the process running it
        requested_by TEXT NOT NULL DEFAULT '',
        path TEXT NOT NULL DEFAULT '',
        rows INTEGER,
        total_fen INTEGER,                            -- reports: open + settled (void excluded)
        bytes INTEGER,
        sha256 TEXT NOT NULL DEFAULT '',
        cos_key TEXT NOT NULL DEFAULT '',
        upload_state TEXT NOT NULL DEFAULT 'pending'
            CHECK (upload_state IN ('pending', 'uploaded', 'disabled', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        finished_at TEXT,
        uploaded_at TEXT);
CREATE TABLE groups (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL);
INSERT INTO "groups" VALUES(1,'研发一组','2026-12-01T16:33:50.934706+00:00');
INSERT INTO "groups" VALUES(2,'研发二组','2026-12-01T16:33:50.935278+00:00');
INSERT INTO "groups" VALUES(3,'市场部','2026-12-01T16:33:50.937353+00:00');
INSERT INTO "groups" VALUES(4,'设计组','2026-12-01T16:33:50.937875+00:00');
INSERT INTO "groups" VALUES(5,'运维组','2026-12-01T16:33:50.938420+00:00');
CREATE TABLE inbound (
        dedupe_key TEXT PRIMARY KEY,                  -- MsgId, or FromUserName:CreateTime for events
        openid TEXT NOT NULL,
        received_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'processing',     -- processing / done
        reply TEXT);
CREATE TABLE lotteries (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        draw_at TEXT NOT NULL,                        -- UTC
        prizes TEXT NOT NULL,                         -- JSON [{"name": ..., "count": ...}] in award order
        early_n INTEGER,                              -- draw as soon as this many have joined (NULL: only at draw_at)
        state TEXT NOT NULL DEFAULT 'INIT' CHECK (state IN ('INIT', 'OPENING', 'OPENED', 'CANCELED')),
        seed TEXT NOT NULL,                           -- secret until OPENED
        commitment TEXT NOT NULL,                     -- sha256(seed) hex, published at creation
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        source_msg_id TEXT UNIQUE,                    -- WeChat MsgId: a retry never creates twice
        drawn_by TEXT,                                -- admin openid, 'scheduler' or 'full'
        drawn_at TEXT,
        participant_count INTEGER,                    -- frozen when the draw locked joining
        canceled_at TEXT,
        canceled_by TEXT);
INSERT INTO "lotteries" VALUES(1,'周五下午茶','2026-12-03T08:00:00.000000+00:00','[{"name": "一等奖", "count": 1}, {"name": "奶茶券", "count": 3}]',NULL,'OPENED','b1ebb1b9291fb2b9788d6d6f72f434ed23ec277e9d5c5b9c3f7da6435fd0bc24','1e9feb94d18ebbcb1af7e23155606f1ea8c3a451d2249b9c163a3c028dc37510','oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.068917+00:00','24570000000000141','oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.074317+00:00',8,NULL,NULL);
INSERT INTO "lotteries" VALUES(2,'奶茶 抽奖','2026-12-04T07:30:00.000000+00:00','[{"name": "奶茶券", "count": 2}]',3,'OPENED','effbb41ccfc301e6d99307efc96a21854b0ec0bd92030db98675f180bf08cac1','751d70002f4ad491a606140de913d424f0cd13044a5a7f405ac96586f5849273','oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.077292+00:00','24570000000000155','full','2026-12-01T16:33:51.079994+00:00',3,NULL,NULL);
INSERT INTO "lotteries" VALUES(3,'月末 抽奖','2026-12-22T09:00:00.000000+00:00','[{"name": "红包", "count": 5}]',NULL,'CANCELED','b1c5da14a70fe74cb398e15b0717b209ccaa595cf6caac21bfa7d0aaa72694d9','982baac908ea7da97619613ed570834efe627f5b634b20e792df76a1c839b805','oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.081020+00:00','24570000000000159',NULL,NULL,NULL,'2026-12-01T16:33:51.083386+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz');
INSERT INTO "lotteries" VALUES(4,'下周 下午茶','2026-12-10T08:00:00.000000+00:00','[{"name": "蛋糕", "count": 2}]',NULL,'INIT','7f165af59e99a6d3586dd12310ce35c170d7505f0e3337d6da66879bb91bb12b','5f5692943e7064e62297cf4aeb63ef25047aa31e51dd69eb6cd41f2923c55bfd','oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.084184+00:00','24570000000000163',NULL,NULL,NULL,NULL,NULL);
CREATE TABLE lottery_entries (
        lottery_id INTEGER NOT NULL REFERENCES lotteries(id),
        openid TEXT NOT NULL,
        join_no INTEGER NOT NULL,
        joined_at TEXT NOT NULL,
        left_at TEXT,
        PRIMARY KEY (lottery_id, openid),
        UNIQUE (lottery_id, join_no));
INSERT INTO "lottery_entries" VALUES(1,'orGvK6Nrj70-BvEzu72hmzEuUVJA',1,'2026-12-01T16:33:51.069659+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(1,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',2,'2026-12-01T16:33:51.070100+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(1,'ooNNJXOxreBXo2R79BNlYo54Rd1t',3,'2026-12-01T16:33:51.070483+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(1,'oNRqYkrjazhd26U1t8qaxtlUpVMw',4,'2026-12-01T16:33:51.070847+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(1,'oXFsNug7uReqrnKqqSYJDnxv4xsB',5,'2026-12-01T16:33:51.071221+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(1,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',6,'2026-12-01T16:33:51.071616+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(1,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',7,'2026-12-01T16:33:51.071992+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(1,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',8,'2026-12-01T16:33:51.072372+00:00','2026-12-01T16:33:51.073353+00:00');
INSERT INTO "lottery_entries" VALUES(1,'oMlbRDyFnOuII5GftDONyw2tmLOd',9,'2026-12-01T16:33:51.072744+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(2,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',1,'2026-12-01T16:33:51.077991+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(2,'oMlbRDyFnOuII5GftDONyw2tmLOd',2,'2026-12-01T16:33:51.078648+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(2,'oDXQVsGXWQfm1MlEdgVFPsiHBMif',3,'2026-12-01T16:33:51.079211+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(3,'oXFsNug7uReqrnKqqSYJDnxv4xsB',1,'2026-12-01T16:33:51.081694+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(4,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE',1,'2026-12-01T16:33:51.084580+00:00',NULL);
INSERT INTO "lottery_entries" VALUES(4,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',2,'2026-12-01T16:33:51.084934+00:00',NULL);
CREATE TABLE lottery_winners (
        lottery_id INTEGER NOT NULL REFERENCES lotteries(id),
        prize_index INTEGER NOT NULL,                 -- slot number: prizes expanded in the order listed
        prize_name TEXT NOT NULL,
        openid TEXT NOT NULL,
        PRIMARY KEY (lottery_id, prize_index),
        UNIQUE (lottery_id, openid));
INSERT INTO "lottery_winners" VALUES(1,0,'一等奖','oMlbRDyFnOuII5GftDONyw2tmLOd');
INSERT INTO "lottery_winners" VALUES(1,1,'奶茶券','oXFsNug7uReqrnKqqSYJDnxv4xsB');
INSERT INTO "lottery_winners" VALUES(1,2,'奶茶券','oR6sjhUpF1_H7F-wUNbtLYiNoHJ7');
INSERT INTO "lottery_winners" VALUES(1,3,'奶茶券','orGvK6Nrj70-BvEzu72hmzEuUVJA');
INSERT INTO "lottery_winners" VALUES(2,0,'奶茶券','oDXQVsGXWQfm1MlEdgVFPsiHBMif');
INSERT INTO "lottery_winners" VALUES(2,1,'奶茶券','oMlbRDyFnOuII5GftDONyw2tmLOd');
CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
INSERT INTO "migrations" VALUES('core.m001_core','2026-12-01T16:33:50.926407+00:00');
INSERT INTO "migrations" VALUES('core.m002_covering_open_totals','2026-12-01T16:33:50.927459+00:00');
INSERT INTO "migrations" VALUES('core.m003_confirmations','2026-12-01T16:33:50.927981+00:00');
INSERT INTO "migrations" VALUES('core.m004_reply_pages','2026-12-01T16:33:50.928537+00:00');
INSERT INTO "migrations" VALUES('core.m005_indexes_for_a_centre','2026-12-01T16:33:50.929127+00:00');
INSERT INTO "migrations" VALUES('core.m006_likely_duplicates','2026-12-01T16:33:50.929650+00:00');
INSERT INTO "migrations" VALUES('export.m001_exports','2026-12-01T16:33:50.930218+00:00');
INSERT INTO "migrations" VALUES('lottery.m001_lotteries','2026-12-01T16:33:50.930911+00:00');
INSERT INTO "migrations" VALUES('pay.m001_payments','2026-12-01T16:33:50.931949+00:00');
INSERT INTO "migrations" VALUES('pay.m002_status_totals_covered','2026-12-01T16:33:50.932613+00:00');
INSERT INTO "migrations" VALUES('register.m001_requests','2026-12-01T16:33:50.933265+00:00');
INSERT INTO "migrations" VALUES('register.m002_decided_by_message','2026-12-01T16:33:50.934051+00:00');
CREATE TABLE payments (
        id INTEGER PRIMARY KEY,
        out_trade_no TEXT NOT NULL UNIQUE,           -- ours, 6-32 chars, sent to WeChat
        token TEXT NOT NULL UNIQUE,                  -- the unguessable part of the pay link
        openid TEXT NOT NULL,
        group_id INTEGER REFERENCES groups(id),
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        note TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'closed', 'abnormal')),
        status_reason TEXT NOT NULL DEFAULT '',
        provider TEXT NOT NULL,                      -- wechatpay_v3 / static
        mode TEXT NOT NULL DEFAULT '',               -- jsapi / native for wechatpay_v3
        prepay_id TEXT,
        code_url TEXT,
        created_at TEXT NOT NULL,                    -- UTC
        expires_at TEXT,                             -- UTC; NULL for static links
        paid_at TEXT,
        paid_fen INTEGER,                            -- what WeChat reported, kept even when it differs
        transaction_id TEXT,
        last_notify TEXT,                            -- UTC time and summary of the last notify/query applied
        source_msg_id TEXT UNIQUE);
INSERT INTO "payments" VALUES(1,'TB20261202003351D7CDAF95','-vU_WQMMViNJ0jba6C5cKmI9uOVu9hw-','oNRqYkrjazhd26U1t8qaxtlUpVMw',2,1250,'奶茶','paid','','static','',NULL,NULL,'2026-12-01T16:33:51.064331+00:00',NULL,'2026-12-01T16:33:51.065858+00:00',1250,NULL,NULL,'24570000000000136');
INSERT INTO "payments" VALUES(2,'TB202612020033516CCFEC0C','dLUFpzB2wiV8XOCYGe7sfp6H5xxMKF0L','oRF23JqsVzlGw49CjFkp2fadLa38',4,3000,'水果 拼盘','pending','','static','',NULL,NULL,'2026-12-01T16:33:51.065224+00:00',NULL,NULL,NULL,NULL,NULL,'24570000000000137');
CREATE TABLE pushes (
        id INTEGER PRIMARY KEY,
        openid TEXT NOT NULL,
        text TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',       -- pending / sent / failed / skipped
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT '',
        sent_at TEXT);
INSERT INTO "pushes" VALUES(1,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #1：孙八 申请加入“研发一组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.941183+00:00','sent',1,'','2026-12-01T16:33:50.943583+00:00');
INSERT INTO "pushes" VALUES(2,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #1：孙八 申请加入“研发一组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.943318+00:00','sent',1,'','2026-12-01T16:33:50.944584+00:00');
INSERT INTO "pushes" VALUES(3,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #2：张三 申请加入“研发一组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.945506+00:00','sent',1,'','2026-12-01T16:33:50.946211+00:00');
INSERT INTO "pushes" VALUES(4,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #2：张三 申请加入“研发一组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.945932+00:00','sent',1,'','2026-12-01T16:33:50.946974+00:00');
INSERT INTO "pushes" VALUES(5,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #3：李四 申请加入“研发一组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.948001+00:00','sent',1,'','2026-12-01T16:33:50.948495+00:00');
INSERT INTO "pushes" VALUES(6,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #3：李四 申请加入“研发一组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.948368+00:00','sent',1,'','2026-12-01T16:33:50.948946+00:00');
INSERT INTO "pushes" VALUES(7,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #4：王五 申请加入“研发一组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.950156+00:00','sent',1,'','2026-12-01T16:33:50.950815+00:00');
INSERT INTO "pushes" VALUES(8,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #4：王五 申请加入“研发一组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.950648+00:00','sent',1,'','2026-12-01T16:33:50.951416+00:00');
INSERT INTO "pushes" VALUES(9,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #5：赵六 申请加入“研发二组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.952602+00:00','sent',1,'','2026-12-01T16:33:50.953135+00:00');
INSERT INTO "pushes" VALUES(10,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #5：赵六 申请加入“研发二组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.952996+00:00','sent',1,'','2026-12-01T16:33:50.953684+00:00');
INSERT INTO "pushes" VALUES(11,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #6：钱七 申请加入“研发二组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.955019+00:00','sent',1,'','2026-12-01T16:33:50.955614+00:00');
INSERT INTO "pushes" VALUES(12,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #6：钱七 申请加入“研发二组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.955482+00:00','sent',1,'','2026-12-01T16:33:50.956218+00:00');
INSERT INTO "pushes" VALUES(13,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #7：孙八 申请加入“研发二组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.957178+00:00','sent',1,'','2026-12-01T16:33:50.957734+00:00');
INSERT INTO "pushes" VALUES(14,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #7：孙八 申请加入“研发二组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.957517+00:00','sent',1,'','2026-12-01T16:33:50.958297+00:00');
INSERT INTO "pushes" VALUES(15,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #8：周九 申请加入“市场部”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.959260+00:00','sent',1,'','2026-12-01T16:33:50.959775+00:00');
INSERT INTO "pushes" VALUES(16,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #8：周九 申请加入“市场部”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.959648+00:00','sent',1,'','2026-12-01T16:33:50.960217+00:00');
INSERT INTO "pushes" VALUES(17,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #9：吴十 申请加入“市场部”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.961135+00:00','sent',1,'','2026-12-01T16:33:50.961592+00:00');
INSERT INTO "pushes" VALUES(18,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #9：吴十 申请加入“市场部”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.961468+00:00','sent',1,'','2026-12-01T16:33:50.962029+00:00');
INSERT INTO "pushes" VALUES(19,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #10：郑一 申请加入“设计组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.962984+00:00','sent',1,'','2026-12-01T16:33:50.963551+00:00');
INSERT INTO "pushes" VALUES(20,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #10：郑一 申请加入“设计组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.963425+00:00','sent',1,'','2026-12-01T16:33:50.963973+00:00');
INSERT INTO "pushes" VALUES(21,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #11：陈二 申请加入“设计组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.964874+00:00','sent',1,'','2026-12-01T16:33:50.965366+00:00');
INSERT INTO "pushes" VALUES(22,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #11：陈二 申请加入“设计组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.965239+00:00','sent',1,'','2026-12-01T16:33:50.965781+00:00');
INSERT INTO "pushes" VALUES(23,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #12：Alice Wang 申请加入“运维组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.966688+00:00','sent',1,'','2026-12-01T16:33:50.967217+00:00');
INSERT INTO "pushes" VALUES(24,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #12：Alice Wang 申请加入“运维组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.967049+00:00','sent',1,'','2026-12-01T16:33:50.967713+00:00');
INSERT INTO "pushes" VALUES(25,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #13：林小雨 申请加入“运维组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.968686+00:00','sent',1,'','2026-12-01T16:33:50.969169+00:00');
INSERT INTO "pushes" VALUES(26,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #13：林小雨 申请加入“运维组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.969044+00:00','sent',1,'','2026-12-01T16:33:50.969678+00:00');
INSERT INTO "pushes" VALUES(27,'orGvK6Nrj70-BvEzu72hmzEuUVJA','你的注册已通过：张三，小组“研发一组”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.970696+00:00','sent',1,'','2026-12-01T16:33:50.970923+00:00');
INSERT INTO "pushes" VALUES(28,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','你的注册已通过：李四，小组“研发一组”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.971564+00:00','sent',1,'','2026-12-01T16:33:50.971794+00:00');
INSERT INTO "pushes" VALUES(29,'ooNNJXOxreBXo2R79BNlYo54Rd1t','你的注册已通过：王五，小组“研发一组”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.972327+00:00','sent',1,'','2026-12-01T16:33:50.972505+00:00');
INSERT INTO "pushes" VALUES(30,'oNRqYkrjazhd26U1t8qaxtlUpVMw','你的注册已通过：赵六，小组“研发二组”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.973082+00:00','sent',1,'','2026-12-01T16:33:50.973309+00:00');
INSERT INTO "pushes" VALUES(31,'oXFsNug7uReqrnKqqSYJDnxv4xsB','你的注册已通过：钱七，小组“研发二组”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.973841+00:00','sent',1,'','2026-12-01T16:33:50.974018+00:00');
INSERT INTO "pushes" VALUES(32,'o5_YJLrkrB-EvsJzkU-PKwDfd08L','你的注册已通过：孙八，小组“研发二组”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.974600+00:00','sent',1,'','2026-12-01T16:33:50.974826+00:00');
INSERT INTO "pushes" VALUES(33,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx','你的注册已通过：周九，小组“市场部”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.975404+00:00','sent',1,'','2026-12-01T16:33:50.975573+00:00');
INSERT INTO "pushes" VALUES(34,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd','你的注册已通过：吴十，小组“市场部”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.976166+00:00','sent',1,'','2026-12-01T16:33:50.976402+00:00');
INSERT INTO "pushes" VALUES(35,'oMlbRDyFnOuII5GftDONyw2tmLOd','你的注册已通过：郑一，小组“设计组”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.976926+00:00','sent',1,'','2026-12-01T16:33:50.977102+00:00');
INSERT INTO "pushes" VALUES(36,'oRF23JqsVzlGw49CjFkp2fadLa38','你的注册已通过：陈二，小组“设计组”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.977675+00:00','sent',1,'','2026-12-01T16:33:50.977934+00:00');
INSERT INTO "pushes" VALUES(37,'oDXQVsGXWQfm1MlEdgVFPsiHBMif','你的注册已通过：Alice Wang，小组“运维组”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.978978+00:00','sent',1,'','2026-12-01T16:33:50.979232+00:00');
INSERT INTO "pushes" VALUES(38,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE','你的注册已通过：林小雨，小组“运维组”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:50.979773+00:00','sent',1,'','2026-12-01T16:33:50.979947+00:00');
INSERT INTO "pushes" VALUES(39,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #14：路人甲 申请加入“市场部”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.981267+00:00','sent',1,'','2026-12-01T16:33:50.981730+00:00');
INSERT INTO "pushes" VALUES(40,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #14：路人甲 申请加入“市场部”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.981604+00:00','sent',1,'','2026-12-01T16:33:50.982165+00:00');
INSERT INTO "pushes" VALUES(41,'o-8jEpWVxu9DXaigljkBKT71WxP9','你加入“市场部”的申请未通过。原因：不是本中心员工。如有疑问请联系管理员，也可重新发送 9 组名 姓名 申请。','reject','2026-12-01T16:33:50.983106+00:00','sent',1,'','2026-12-01T16:33:50.983722+00:00');
INSERT INTO "pushes" VALUES(42,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #15：何新 申请加入“设计组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.984841+00:00','sent',1,'','2026-12-01T16:33:50.985391+00:00');
INSERT INTO "pushes" VALUES(43,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #15：何新 申请加入“设计组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.985195+00:00','sent',1,'','2026-12-01T16:33:50.986238+00:00');
INSERT INTO "pushes" VALUES(44,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','新的注册申请 #16：王五 申请加入“设计组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.986710+00:00','sent',1,'','2026-12-01T16:33:50.987207+00:00');
INSERT INTO "pushes" VALUES(45,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','新的注册申请 #16：王五 申请加入“设计组”。发送 81 查看待审核列表。','register','2026-12-01T16:33:50.987061+00:00','sent',1,'','2026-12-01T16:33:50.987871+00:00');
INSERT INTO "pushes" VALUES(46,'oDXQVsGXWQfm1MlEdgVFPsiHBMif','管理员作废了你的记录 #11（18.00 元 ''引号'' "双引号"）。','void','2026-12-01T16:33:51.016071+00:00','sent',1,'','2026-12-01T16:33:51.016579+00:00');
INSERT INTO "pushes" VALUES(47,'ooNNJXOxreBXo2R79BNlYo54Rd1t','你的注册已通过：王五，小组“设计组”。发送 1 金额 说明 即可记账，发送 0 查看菜单。','approve','2026-12-01T16:33:51.016940+00:00','sent',1,'','2026-12-01T16:33:51.017153+00:00');
INSERT INTO "pushes" VALUES(48,'orGvK6Nrj70-BvEzu72hmzEuUVJA','报销通知：你在“研发一组”的 4 笔垫付共 1,563.00 元已由 管理员 结算（结算 #1）。','settle','2026-12-01T16:33:51.020576+00:00','sent',1,'','2026-12-01T16:33:51.021068+00:00');
INSERT INTO "pushes" VALUES(49,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','报销通知：你在“研发一组”的 5 笔垫付共 292.00 元已由 管理员 结算（结算 #1）。','settle','2026-12-01T16:33:51.020933+00:00','sent',1,'','2026-12-01T16:33:51.021533+00:00');
INSERT INTO "pushes" VALUES(50,'ooNNJXOxreBXo2R79BNlYo54Rd1t','报销通知：你在“研发一组”的 3 笔垫付共 154.90 元已由 管理员 结算（结算 #1）。','settle','2026-12-01T16:33:51.021408+00:00','sent',1,'','2026-12-01T16:33:51.021927+00:00');
INSERT INTO "pushes" VALUES(51,'o5_YJLrkrB-EvsJzkU-PKwDfd08L','报销通知：你在“研发二组”的 2 笔垫付共 363.20 元已由 管理员 结算（结算 #2）。','settle','2026-12-01T16:33:51.024626+00:00','sent',1,'','2026-12-01T16:33:51.025135+00:00');
INSERT INTO "pushes" VALUES(52,'oXFsNug7uReqrnKqqSYJDnxv4xsB','报销通知：你在“研发二组”的 2 笔垫付共 195.00 元已由 管理员 结算（结算 #2）。','settle','2026-12-01T16:33:51.025007+00:00','sent',1,'','2026-12-01T16:33:51.025661+00:00');
INSERT INTO "pushes" VALUES(53,'oNRqYkrjazhd26U1t8qaxtlUpVMw','报销通知：你在“研发二组”的 2 笔垫付共 75.40 元已由 管理员 结算（结算 #2）。','settle','2026-12-01T16:33:51.025491+00:00','sent',1,'','2026-12-01T16:33:51.026276+00:00');
INSERT INTO "pushes" VALUES(54,'o5_YJLrkrB-EvsJzkU-PKwDfd08L','结算 #2 已撤销，你的 2 笔记录（363.20 元）恢复为未报销。','settle.reverse','2026-12-01T16:33:51.028397+00:00','sent',1,'','2026-12-01T16:33:51.028903+00:00');
INSERT INTO "pushes" VALUES(55,'oXFsNug7uReqrnKqqSYJDnxv4xsB','结算 #2 已撤销，你的 2 笔记录（195.00 元）恢复为未报销。','settle.reverse','2026-12-01T16:33:51.028772+00:00','sent',1,'','2026-12-01T16:33:51.029377+00:00');
INSERT INTO "pushes" VALUES(56,'oNRqYkrjazhd26U1t8qaxtlUpVMw','结算 #2 已撤销，你的 2 笔记录（75.40 元）恢复为未报销。','settle.reverse','2026-12-01T16:33:51.029254+00:00','sent',1,'','2026-12-01T16:33:51.029878+00:00');
INSERT INTO "pushes" VALUES(57,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','报销通知：你在“研发一组”的 2 笔垫付共 363.20 元已由 管理员 结算（结算 #3）。','settle','2026-12-01T16:33:51.043216+00:00','sent',1,'','2026-12-01T16:33:51.043662+00:00');
INSERT INTO "pushes" VALUES(58,'orGvK6Nrj70-BvEzu72hmzEuUVJA','报销通知：你在“研发一组”的 2 笔垫付共 195.00 元已由 管理员 结算（结算 #3）。','settle','2026-12-01T16:33:51.043547+00:00','sent',1,'','2026-12-01T16:33:51.044073+00:00');
INSERT INTO "pushes" VALUES(59,'o5_YJLrkrB-EvsJzkU-PKwDfd08L','报销通知：你在“研发二组”的 3 笔垫付共 483.20 元已由 管理员 结算（结算 #4）。','settle','2026-12-01T16:33:51.044282+00:00','sent',1,'','2026-12-01T16:33:51.044909+00:00');
INSERT INTO "pushes" VALUES(60,'oXFsNug7uReqrnKqqSYJDnxv4xsB','报销通知：你在“研发二组”的 3 笔垫付共 281.50 元已由 管理员 结算（结算 #4）。','settle','2026-12-01T16:33:51.044758+00:00','sent',1,'','2026-12-01T16:33:51.045533+00:00');
INSERT INTO "pushes" VALUES(61,'oNRqYkrjazhd26U1t8qaxtlUpVMw','报销通知：你在“研发二组”的 3 笔垫付共 139.40 元已由 管理员 结算（结算 #4）。','settle','2026-12-01T16:33:51.045119+00:00','sent',1,'','2026-12-01T16:33:51.046190+00:00');
INSERT INTO "pushes" VALUES(62,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd','报销通知：你在“市场部”的 4 笔垫付共 442.10 元已由 管理员 结算（结算 #5）。','settle','2026-12-01T16:33:51.045833+00:00','sent',1,'','2026-12-01T16:33:51.046665+00:00');
INSERT INTO "pushes" VALUES(63,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx','报销通知：你在“市场部”的 4 笔垫付共 90.20 元已由 管理员 结算（结算 #5）。','settle','2026-12-01T16:33:51.046313+00:00','sent',1,'','2026-12-01T16:33:51.047492+00:00');
INSERT INTO "pushes" VALUES(64,'oMlbRDyFnOuII5GftDONyw2tmLOd','报销通知：你在“设计组”的 4 笔垫付共 513.00 元已由 管理员 结算（结算 #6）。','settle','2026-12-01T16:33:51.046999+00:00','sent',1,'','2026-12-01T16:33:51.048261+00:00');
INSERT INTO "pushes" VALUES(65,'oRF23JqsVzlGw49CjFkp2fadLa38','报销通知：你在“设计组”的 4 笔垫付共 245.20 元已由 管理员 结算（结算 #6）。','settle','2026-12-01T16:33:51.047704+00:00','sent',1,'','2026-12-01T16:33:51.048859+00:00');
INSERT INTO "pushes" VALUES(66,'ooNNJXOxreBXo2R79BNlYo54Rd1t','报销通知：你在“设计组”的 1 笔垫付共 27.30 元已由 管理员 结算（结算 #6）。','settle','2026-12-01T16:33:51.048431+00:00','sent',1,'','2026-12-01T16:33:51.049571+00:00');
INSERT INTO "pushes" VALUES(67,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE','报销通知：你在“运维组”的 4 笔垫付共 386.90 元已由 管理员 结算（结算 #7）。','settle','2026-12-01T16:33:51.049170+00:00','sent',1,'','2026-12-01T16:33:51.050121+00:00');
INSERT INTO "pushes" VALUES(68,'oDXQVsGXWQfm1MlEdgVFPsiHBMif','报销通知：你在“运维组”的 3 笔垫付共 154.90 元已由 管理员 结算（结算 #7）。','settle','2026-12-01T16:33:51.049778+00:00','sent',1,'','2026-12-01T16:33:51.050653+00:00');
INSERT INTO "pushes" VALUES(69,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx','报销通知：你在“市场部”的 1 笔垫付共 110.00 元已由 管理员 结算（结算 #8）。','settle','2026-12-01T16:33:51.062364+00:00','sent',1,'','2026-12-01T16:33:51.062876+00:00');
INSERT INTO "pushes" VALUES(70,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd','报销通知：你在“市场部”的 1 笔垫付共 8.80 元已由 管理员 结算（结算 #8）。','settle','2026-12-01T16:33:51.062738+00:00','sent',1,'','2026-12-01T16:33:51.063315+00:00');
INSERT INTO "pushes" VALUES(71,'oNRqYkrjazhd26U1t8qaxtlUpVMw','管理员已确认收到你的付款 12.50 元（订单 TB20261202003351D7CDAF95 奶茶），谢谢！','pay_paid','2026-12-01T16:33:51.065918+00:00','sent',1,'','2026-12-01T16:33:51.067832+00:00');
INSERT INTO "pushes" VALUES(72,'orGvK6Nrj70-BvEzu72hmzEuUVJA','抽奖 #1 周五下午茶 已开奖（2026-12-02 00:33，8 人参加）
一等奖：郑一（设计组）
奶茶券：钱七（研发二组）、李四（研发一组）、张三（研发一组）
恭喜，你中了：奶茶券！
承诺 sha256：1e9feb94d18ebbcb1af7e23155606f1ea8c3a451d2249b9c163a3c028dc37510
种子：b1ebb1b9291fb2b9788d6d6f72f434ed23ec277e9d5c5b9c3f7da6435fd0bc24
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.074673+00:00','sent',1,'','2026-12-01T16:33:51.074926+00:00');
INSERT INTO "pushes" VALUES(73,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','抽奖 #1 周五下午茶 已开奖（2026-12-02 00:33，8 人参加）
一等奖：郑一（设计组）
奶茶券：钱七（研发二组）、李四（研发一组）、张三（研发一组）
恭喜，你中了：奶茶券！
承诺 sha256：1e9feb94d18ebbcb1af7e23155606f1ea8c3a451d2249b9c163a3c028dc37510
种子：b1ebb1b9291fb2b9788d6d6f72f434ed23ec277e9d5c5b9c3f7da6435fd0bc24
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.074727+00:00','sent',1,'','2026-12-01T16:33:51.075391+00:00');
INSERT INTO "pushes" VALUES(74,'ooNNJXOxreBXo2R79BNlYo54Rd1t','抽奖 #1 周五下午茶 已开奖（2026-12-02 00:33，8 人参加）
一等奖：郑一（设计组）
奶茶券：钱七（研发二组）、李四（研发一组）、张三（研发一组）
很遗憾，你这次没有中奖。
承诺 sha256：1e9feb94d18ebbcb1af7e23155606f1ea8c3a451d2249b9c163a3c028dc37510
种子：b1ebb1b9291fb2b9788d6d6f72f434ed23ec277e9d5c5b9c3f7da6435fd0bc24
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.074759+00:00','sent',1,'','2026-12-01T16:33:51.075688+00:00');
INSERT INTO "pushes" VALUES(75,'oNRqYkrjazhd26U1t8qaxtlUpVMw','抽奖 #1 周五下午茶 已开奖（2026-12-02 00:33，8 人参加）
一等奖：郑一（设计组）
奶茶券：钱七（研发二组）、李四（研发一组）、张三（研发一组）
很遗憾，你这次没有中奖。
承诺 sha256：1e9feb94d18ebbcb1af7e23155606f1ea8c3a451d2249b9c163a3c028dc37510
种子：b1ebb1b9291fb2b9788d6d6f72f434ed23ec277e9d5c5b9c3f7da6435fd0bc24
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.074768+00:00','sent',1,'','2026-12-01T16:33:51.076085+00:00');
INSERT INTO "pushes" VALUES(76,'oXFsNug7uReqrnKqqSYJDnxv4xsB','抽奖 #1 周五下午茶 已开奖（2026-12-02 00:33，8 人参加）
一等奖：郑一（设计组）
奶茶券：钱七（研发二组）、李四（研发一组）、张三（研发一组）
恭喜，你中了：奶茶券！
承诺 sha256：1e9feb94d18ebbcb1af7e23155606f1ea8c3a451d2249b9c163a3c028dc37510
种子：b1ebb1b9291fb2b9788d6d6f72f434ed23ec277e9d5c5b9c3f7da6435fd0bc24
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.074776+00:00','sent',1,'','2026-12-01T16:33:51.076478+00:00');
INSERT INTO "pushes" VALUES(77,'o5_YJLrkrB-EvsJzkU-PKwDfd08L','抽奖 #1 周五下午茶 已开奖（2026-12-02 00:33，8 人参加）
一等奖：郑一（设计组）
奶茶券：钱七（研发二组）、李四（研发一组）、张三（研发一组）
很遗憾，你这次没有中奖。
承诺 sha256：1e9feb94d18ebbcb1af7e23155606f1ea8c3a451d2249b9c163a3c028dc37510
种子：b1ebb1b9291fb2b9788d6d6f72f434ed23ec277e9d5c5b9c3f7da6435fd0bc24
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.074784+00:00','sent',1,'','2026-12-01T16:33:51.076974+00:00');
INSERT INTO "pushes" VALUES(78,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx','抽奖 #1 周五下午茶 已开奖（2026-12-02 00:33，8 人参加）
一等奖：郑一（设计组）
奶茶券：钱七（研发二组）、李四（研发一组）、张三（研发一组）
很遗憾，你这次没有中奖。
承诺 sha256：1e9feb94d18ebbcb1af7e23155606f1ea8c3a451d2249b9c163a3c028dc37510
种子：b1ebb1b9291fb2b9788d6d6f72f434ed23ec277e9d5c5b9c3f7da6435fd0bc24
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.074791+00:00','sent',1,'','2026-12-01T16:33:51.077527+00:00');
INSERT INTO "pushes" VALUES(79,'oMlbRDyFnOuII5GftDONyw2tmLOd','抽奖 #1 周五下午茶 已开奖（2026-12-02 00:33，8 人参加）
一等奖：郑一（设计组）
奶茶券：钱七（研发二组）、李四（研发一组）、张三（研发一组）
恭喜，你中了：一等奖！
承诺 sha256：1e9feb94d18ebbcb1af7e23155606f1ea8c3a451d2249b9c163a3c028dc37510
种子：b1ebb1b9291fb2b9788d6d6f72f434ed23ec277e9d5c5b9c3f7da6435fd0bc24
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.074801+00:00','sent',1,'','2026-12-01T16:33:51.078134+00:00');
INSERT INTO "pushes" VALUES(80,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','抽奖 #1 周五下午茶 已开奖（2026-12-02 00:33，8 人参加）
一等奖：郑一（设计组）
奶茶券：钱七（研发二组）、李四（研发一组）、张三（研发一组）
承诺 sha256：1e9feb94d18ebbcb1af7e23155606f1ea8c3a451d2249b9c163a3c028dc37510
种子：b1ebb1b9291fb2b9788d6d6f72f434ed23ec277e9d5c5b9c3f7da6435fd0bc24
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.074810+00:00','sent',1,'','2026-12-01T16:33:51.078605+00:00');
INSERT INTO "pushes" VALUES(81,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','抽奖 #1 周五下午茶 已开奖（2026-12-02 00:33，8 人参加）
一等奖：郑一（设计组）
奶茶券：钱七（研发二组）、李四（研发一组）、张三（研发一组）
承诺 sha256：1e9feb94d18ebbcb1af7e23155606f1ea8c3a451d2249b9c163a3c028dc37510
种子：b1ebb1b9291fb2b9788d6d6f72f434ed23ec277e9d5c5b9c3f7da6435fd0bc24
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.074818+00:00','sent',1,'','2026-12-01T16:33:51.079012+00:00');
INSERT INTO "pushes" VALUES(82,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx','抽奖 #2 奶茶 抽奖 已开奖（2026-12-02 00:33，3 人参加）
奶茶券：Alice Wang（运维组）、郑一（设计组）
很遗憾，你这次没有中奖。
承诺 sha256：751d70002f4ad491a606140de913d424f0cd13044a5a7f405ac96586f5849273
种子：effbb41ccfc301e6d99307efc96a21854b0ec0bd92030db98675f180bf08cac1
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.080103+00:00','sent',1,'','2026-12-01T16:33:51.080312+00:00');
INSERT INTO "pushes" VALUES(83,'oMlbRDyFnOuII5GftDONyw2tmLOd','抽奖 #2 奶茶 抽奖 已开奖（2026-12-02 00:33，3 人参加）
奶茶券：Alice Wang（运维组）、郑一（设计组）
恭喜，你中了：奶茶券！
承诺 sha256：751d70002f4ad491a606140de913d424f0cd13044a5a7f405ac96586f5849273
种子：effbb41ccfc301e6d99307efc96a21854b0ec0bd92030db98675f180bf08cac1
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.080131+00:00','sent',1,'','2026-12-01T16:33:51.080714+00:00');
INSERT INTO "pushes" VALUES(84,'oDXQVsGXWQfm1MlEdgVFPsiHBMif','抽奖 #2 奶茶 抽奖 已开奖（2026-12-02 00:33，3 人参加）
奶茶券：Alice Wang（运维组）、郑一（设计组）
恭喜，你中了：奶茶券！
承诺 sha256：751d70002f4ad491a606140de913d424f0cd13044a5a7f405ac96586f5849273
种子：effbb41ccfc301e6d99307efc96a21854b0ec0bd92030db98675f180bf08cac1
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.080141+00:00','sent',1,'','2026-12-01T16:33:51.081219+00:00');
INSERT INTO "pushes" VALUES(85,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','抽奖 #2 奶茶 抽奖 已开奖（2026-12-02 00:33，3 人参加）
奶茶券：Alice Wang（运维组）、郑一（设计组）
承诺 sha256：751d70002f4ad491a606140de913d424f0cd13044a5a7f405ac96586f5849273
种子：effbb41ccfc301e6d99307efc96a21854b0ec0bd92030db98675f180bf08cac1
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.080152+00:00','sent',1,'','2026-12-01T16:33:51.081833+00:00');
INSERT INTO "pushes" VALUES(86,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','抽奖 #2 奶茶 抽奖 已开奖（2026-12-02 00:33，3 人参加）
奶茶券：Alice Wang（运维组）、郑一（设计组）
承诺 sha256：751d70002f4ad491a606140de913d424f0cd13044a5a7f405ac96586f5849273
种子：effbb41ccfc301e6d99307efc96a21854b0ec0bd92030db98675f180bf08cac1
任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。','lottery','2026-12-01T16:33:51.080160+00:00','sent',1,'','2026-12-01T16:33:51.082295+00:00');
INSERT INTO "pushes" VALUES(87,'oXFsNug7uReqrnKqqSYJDnxv4xsB','抽奖 #3 月末 抽奖 已被管理员取消，不会开奖。','lottery','2026-12-01T16:33:51.083482+00:00','sent',1,'','2026-12-01T16:33:51.083616+00:00');
CREATE TABLE registration_requests (
        id INTEGER PRIMARY KEY,
        openid TEXT NOT NULL REFERENCES users(openid),
        group_id INTEGER NOT NULL REFERENCES groups(id),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
        superseded_by INTEGER,
        decided_by TEXT,
        decided_at TEXT,
        decided_msg_id TEXT,
        reason TEXT NOT NULL DEFAULT '');
INSERT INTO "registration_requests" VALUES(1,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',1,'孙八','2026-12-01T16:33:50.940557+00:00','superseded',7,NULL,NULL,NULL,'');
INSERT INTO "registration_requests" VALUES(2,'orGvK6Nrj70-BvEzu72hmzEuUVJA',1,'张三','2026-12-01T16:33:50.944888+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.970607+00:00','24570000000000025','');
INSERT INTO "registration_requests" VALUES(3,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',1,'李四','2026-12-01T16:33:50.947508+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.971523+00:00','24570000000000026','');
INSERT INTO "registration_requests" VALUES(4,'ooNNJXOxreBXo2R79BNlYo54Rd1t',1,'王五','2026-12-01T16:33:50.949464+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.972289+00:00','24570000000000027','');
INSERT INTO "registration_requests" VALUES(5,'oNRqYkrjazhd26U1t8qaxtlUpVMw',2,'赵六','2026-12-01T16:33:50.952032+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.973046+00:00','24570000000000028','');
INSERT INTO "registration_requests" VALUES(6,'oXFsNug7uReqrnKqqSYJDnxv4xsB',2,'钱七','2026-12-01T16:33:50.954427+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.973802+00:00','24570000000000029','');
INSERT INTO "registration_requests" VALUES(7,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',2,'孙八','2026-12-01T16:33:50.956360+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.974562+00:00','24570000000000030','');
INSERT INTO "registration_requests" VALUES(8,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',3,'周九','2026-12-01T16:33:50.958773+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.975366+00:00','24570000000000031','');
INSERT INTO "registration_requests" VALUES(9,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',3,'吴十','2026-12-01T16:33:50.960691+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.976128+00:00','24570000000000032','');
INSERT INTO "registration_requests" VALUES(10,'oMlbRDyFnOuII5GftDONyw2tmLOd',4,'郑一','2026-12-01T16:33:50.962507+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.976888+00:00','24570000000000033','');
INSERT INTO "registration_requests" VALUES(11,'oRF23JqsVzlGw49CjFkp2fadLa38',4,'陈二','2026-12-01T16:33:50.964421+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.977639+00:00','24570000000000034','');
INSERT INTO "registration_requests" VALUES(12,'oDXQVsGXWQfm1MlEdgVFPsiHBMif',5,'Alice Wang','2026-12-01T16:33:50.966242+00:00','approved',NULL,'oFSJhJjzV-9OAO7Rtdy9Auck4XYl','2026-12-01T16:33:50.978939+00:00','24570000000000035','');
INSERT INTO "registration_requests" VALUES(13,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE',5,'林小雨','2026-12-01T16:33:50.968194+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.979737+00:00','24570000000000036','');
INSERT INTO "registration_requests" VALUES(14,'o-8jEpWVxu9DXaigljkBKT71WxP9',3,'路人甲','2026-12-01T16:33:50.980818+00:00','rejected',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:50.982366+00:00','24570000000000038','不是本中心员工');
INSERT INTO "registration_requests" VALUES(15,'oxTEvcWby-ezO1GyKQoRPHYZgapN',4,'何新','2026-12-01T16:33:50.984169+00:00','pending',NULL,NULL,NULL,NULL,'');
INSERT INTO "registration_requests" VALUES(16,'ooNNJXOxreBXo2R79BNlYo54Rd1t',4,'王五','2026-12-01T16:33:50.986007+00:00','approved',NULL,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.016890+00:00','24570000000000088','');
CREATE TABLE reply_pages (
        openid TEXT PRIMARY KEY,
        pages TEXT NOT NULL,                          -- JSON list of page texts
        shown INTEGER NOT NULL DEFAULT 0,             -- index of the page last sent
        shown_msg_id TEXT,                            -- the 更多 message that sent it (a retry gets it again)
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL);
CREATE TABLE settlement_items (
        settlement_id INTEGER NOT NULL REFERENCES settlements(id),
        expense_id INTEGER NOT NULL REFERENCES expenses(id),
        openid TEXT NOT NULL,
        amount_fen INTEGER NOT NULL,
        PRIMARY KEY (settlement_id, expense_id));
INSERT INTO "settlement_items" VALUES(1,1,'orGvK6Nrj70-BvEzu72hmzEuUVJA',8650);
INSERT INTO "settlement_items" VALUES(1,2,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',12000);
INSERT INTO "settlement_items" VALUES(1,3,'ooNNJXOxreBXo2R79BNlYo54Rd1t',3500);
INSERT INTO "settlement_items" VALUES(1,13,'orGvK6Nrj70-BvEzu72hmzEuUVJA',7650);
INSERT INTO "settlement_items" VALUES(1,14,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',2400);
INSERT INTO "settlement_items" VALUES(1,15,'ooNNJXOxreBXo2R79BNlYo54Rd1t',11000);
INSERT INTO "settlement_items" VALUES(1,25,'orGvK6Nrj70-BvEzu72hmzEuUVJA',20000);
INSERT INTO "settlement_items" VALUES(1,26,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',5800);
INSERT INTO "settlement_items" VALUES(1,27,'ooNNJXOxreBXo2R79BNlYo54Rd1t',990);
INSERT INTO "settlement_items" VALUES(1,35,'orGvK6Nrj70-BvEzu72hmzEuUVJA',120000);
INSERT INTO "settlement_items" VALUES(1,36,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',4500);
INSERT INTO "settlement_items" VALUES(1,37,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',4500);
INSERT INTO "settlement_items" VALUES(2,16,'oNRqYkrjazhd26U1t8qaxtlUpVMw',880);
INSERT INTO "settlement_items" VALUES(2,17,'oXFsNug7uReqrnKqqSYJDnxv4xsB',4500);
INSERT INTO "settlement_items" VALUES(2,18,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',32000);
INSERT INTO "settlement_items" VALUES(2,28,'oNRqYkrjazhd26U1t8qaxtlUpVMw',6660);
INSERT INTO "settlement_items" VALUES(2,29,'oXFsNug7uReqrnKqqSYJDnxv4xsB',15000);
INSERT INTO "settlement_items" VALUES(2,30,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',4320);
INSERT INTO "settlement_items" VALUES(3,40,'orGvK6Nrj70-BvEzu72hmzEuUVJA',4500);
INSERT INTO "settlement_items" VALUES(3,41,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',32000);
INSERT INTO "settlement_items" VALUES(3,52,'orGvK6Nrj70-BvEzu72hmzEuUVJA',15000);
INSERT INTO "settlement_items" VALUES(3,53,'oR6sjhUpF1_H7F-wUNbtLYiNoHJ7',4320);
INSERT INTO "settlement_items" VALUES(4,16,'oNRqYkrjazhd26U1t8qaxtlUpVMw',880);
INSERT INTO "settlement_items" VALUES(4,17,'oXFsNug7uReqrnKqqSYJDnxv4xsB',4500);
INSERT INTO "settlement_items" VALUES(4,18,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',32000);
INSERT INTO "settlement_items" VALUES(4,28,'oNRqYkrjazhd26U1t8qaxtlUpVMw',6660);
INSERT INTO "settlement_items" VALUES(4,29,'oXFsNug7uReqrnKqqSYJDnxv4xsB',15000);
INSERT INTO "settlement_items" VALUES(4,30,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',4320);
INSERT INTO "settlement_items" VALUES(4,43,'oNRqYkrjazhd26U1t8qaxtlUpVMw',6400);
INSERT INTO "settlement_items" VALUES(4,44,'oXFsNug7uReqrnKqqSYJDnxv4xsB',8650);
INSERT INTO "settlement_items" VALUES(4,45,'o5_YJLrkrB-EvsJzkU-PKwDfd08L',12000);
INSERT INTO "settlement_items" VALUES(5,7,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',990);
INSERT INTO "settlement_items" VALUES(5,8,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',6660);
INSERT INTO "settlement_items" VALUES(5,19,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',2730);
INSERT INTO "settlement_items" VALUES(5,20,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',6400);
INSERT INTO "settlement_items" VALUES(5,31,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',1800);
INSERT INTO "settlement_items" VALUES(5,32,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',29900);
INSERT INTO "settlement_items" VALUES(5,46,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',3500);
INSERT INTO "settlement_items" VALUES(5,47,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',1250);
INSERT INTO "settlement_items" VALUES(6,9,'oMlbRDyFnOuII5GftDONyw2tmLOd',15000);
INSERT INTO "settlement_items" VALUES(6,10,'oRF23JqsVzlGw49CjFkp2fadLa38',4320);
INSERT INTO "settlement_items" VALUES(6,21,'oMlbRDyFnOuII5GftDONyw2tmLOd',8650);
INSERT INTO "settlement_items" VALUES(6,22,'oRF23JqsVzlGw49CjFkp2fadLa38',12000);
INSERT INTO "settlement_items" VALUES(6,33,'oMlbRDyFnOuII5GftDONyw2tmLOd',7650);
INSERT INTO "settlement_items" VALUES(6,34,'oRF23JqsVzlGw49CjFkp2fadLa38',2400);
INSERT INTO "settlement_items" VALUES(6,42,'ooNNJXOxreBXo2R79BNlYo54Rd1t',2730);
INSERT INTO "settlement_items" VALUES(6,48,'oMlbRDyFnOuII5GftDONyw2tmLOd',20000);
INSERT INTO "settlement_items" VALUES(6,49,'oRF23JqsVzlGw49CjFkp2fadLa38',5800);
INSERT INTO "settlement_items" VALUES(7,12,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE',29900);
INSERT INTO "settlement_items" VALUES(7,23,'oDXQVsGXWQfm1MlEdgVFPsiHBMif',3500);
INSERT INTO "settlement_items" VALUES(7,24,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE',1250);
INSERT INTO "settlement_items" VALUES(7,38,'oDXQVsGXWQfm1MlEdgVFPsiHBMif',11000);
INSERT INTO "settlement_items" VALUES(7,39,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE',880);
INSERT INTO "settlement_items" VALUES(7,50,'oDXQVsGXWQfm1MlEdgVFPsiHBMif',990);
INSERT INTO "settlement_items" VALUES(7,51,'oPAnOdY2NxDuyaUUYaLZnnvSz9RE',6660);
INSERT INTO "settlement_items" VALUES(8,58,'ooE4Uq3rigtQsw2Px-ffDV_OyVzx',11000);
INSERT INTO "settlement_items" VALUES(8,59,'ot-45SaPVmcHGuQ9VdY8Qghp16Sd',880);
CREATE TABLE settlements (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        record_count INTEGER NOT NULL,
        total_fen INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'reversed')),
        reversed_at TEXT,
        reversed_by TEXT,
        source_msg_id TEXT);
INSERT INTO "settlements" VALUES(1,1,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.019460+00:00',12,200990,'active',NULL,NULL,'24570000000000092');
INSERT INTO "settlements" VALUES(2,2,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.023731+00:00',6,63360,'reversed','2026-12-01T16:33:51.027760+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz','24570000000000094');
INSERT INTO "settlements" VALUES(3,1,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.041799+00:00',4,55820,'active',NULL,NULL,'24570000000000115');
INSERT INTO "settlements" VALUES(4,2,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.041899+00:00',9,90410,'active',NULL,NULL,'24570000000000115');
INSERT INTO "settlements" VALUES(5,3,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.042191+00:00',8,53230,'active',NULL,NULL,'24570000000000115');
INSERT INTO "settlements" VALUES(6,4,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.042335+00:00',9,78550,'active',NULL,NULL,'24570000000000115');
INSERT INTO "settlements" VALUES(7,5,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.042410+00:00',7,54180,'active',NULL,NULL,'24570000000000115');
INSERT INTO "settlements" VALUES(8,3,'oziCIFV2R1zxqo3C2_RvfYDmMhbz','2026-12-01T16:33:51.061622+00:00',2,11880,'active',NULL,NULL,'24570000000000134');
CREATE TABLE users (
        openid TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        group_id INTEGER REFERENCES groups(id),
        status TEXT NOT NULL DEFAULT 'unknown',      -- unknown / pending / member / rejected
        requested_group_id INTEGER REFERENCES groups(id),
        requested_name TEXT NOT NULL DEFAULT '',
        requested_at TEXT,
        approved_at TEXT,
        approved_by TEXT,
        subscribed INTEGER NOT NULL DEFAULT 1,
        last_message_at TEXT,                         -- for WeChat's 48-hour push window
        created_at TEXT NOT NULL);
INSERT INTO "users" VALUES('ohZ9wTng1JzrtLt5xghQoMRhHY44','',NULL,'unknown',NULL,'',NULL,NULL,NULL,1,'2026-12-01T16:33:50.935780+00:00','2026-12-01T16:33:50.935780+00:00');
INSERT INTO "users" VALUES('oziCIFV2R1zxqo3C2_RvfYDmMhbz','',NULL,'unknown',NULL,'',NULL,NULL,NULL,1,'2026-12-01T16:33:50.936798+00:00','2026-12-01T16:33:50.936798+00:00');
INSERT INTO "users" VALUES('o5_YJLrkrB-EvsJzkU-PKwDfd08L','孙八',2,'member',NULL,'',NULL,'2026-12-01T16:33:50.974562+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz',1,'2026-12-01T16:33:50.939292+00:00','2026-12-01T16:33:50.939292+00:00');
INSERT INTO "users" VALUES('orGvK6Nrj70-BvEzu72hmzEuUVJA','张三',1,'member',NULL,'',NULL,'2026-12-01T16:33:50.970607+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz',1,'2026-12-01T16:33:50.943978+00:00','2026-12-01T16:33:50.943978+00:00');
INSERT INTO "users" VALUES('oR6sjhUpF1_H7F-wUNbtLYiNoHJ7','李四',1,'member',NULL,'',NULL,'2026-12-01T16:33:50.971523+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz',1,'2026-12-01T16:33:50.946521+00:00','2026-12-01T16:33:50.946521+00:00');
INSERT INTO "users" VALUES('ooNNJXOxreBXo2R79BNlYo54Rd1t','王五',4,'member',NULL,'',NULL,'2026-12-01T16:33:51.016890+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz',1,'2026-12-01T16:33:50.948875+00:00','2026-12-01T16:33:50.948875+00:00');
INSERT INTO "users" VALUES('oNRqYkrjazhd26U1t8qaxtlUpVMw','赵六',2,'member',NULL,'',NULL,'2026-12-01T16:33:50.973046+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz',1,'2026-12-01T16:33:50.951332+00:00','2026-12-01T16:33:50.951332+00:00');
INSERT INTO "users" VALUES('oXFsNug7uReqrnKqqSYJDnxv4xsB','钱七',2,'member',NULL,'',NULL,'2026-12-01T16:33:50.973802+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz',1,'2026-12-01T16:33:50.953606+00:00','2026-12-01T16:33:50.953606+00:00');
INSERT INTO "users" VALUES('ooE4Uq3rigtQsw2Px-ffDV_OyVzx','周九',3,'member',NULL,'',NULL,'2026-12-01T16:33:50.975366+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz',1,'2026-12-01T16:33:50.957911+00:00','2026-12-01T16:33:50.957911+00:00');
INSERT INTO "users" VALUES('ot-45SaPVmcHGuQ9VdY8Qghp16Sd','吴十',3,'member',NULL,'',NULL,'2026-12-01T16:33:50.976128+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz',1,'2026-12-01T16:33:50.960148+00:00','2026-12-01T16:33:50.960148+00:00');
INSERT INTO "users" VALUES('oMlbRDyFnOuII5GftDONyw2tmLOd','郑一',4,'member',NULL,'',NULL,'2026-12-01T16:33:50.976888+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz',1,'2026-12-01T16:33:50.961962+00:00','2026-12-01T16:33:50.961962+00:00');
INSERT INTO "users" VALUES('oRF23JqsVzlGw49CjFkp2fadLa38','陈二',4,'member',NULL,'',NULL,'2026-12-01T16:33:50.977639+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz',1,'2026-12-01T16:33:50.963907+00:00','2026-12-01T16:33:50.963907+00:00');
INSERT INTO "users" VALUES('oDXQVsGXWQfm1MlEdgVFPsiHBMif','Alice Wang',5,'member',NULL,'',NULL,'2026-12-01T16:33:50.978939+00:00','oFSJhJjzV-9OAO7Rtdy9Auck4XYl',1,'2026-12-01T16:33:50.965713+00:00','2026-12-01T16:33:50.965713+00:00');
INSERT INTO "users" VALUES('oPAnOdY2NxDuyaUUYaLZnnvSz9RE','林小雨',5,'member',NULL,'',NULL,'2026-12-01T16:33:50.979737+00:00','oziCIFV2R1zxqo3C2_RvfYDmMhbz',1,'2026-12-01T16:33:50.967644+00:00','2026-12-01T16:33:50.967644+00:00');
INSERT INTO "users" VALUES('oFSJhJjzV-9OAO7Rtdy9Auck4XYl','',NULL,'unknown',NULL,'',NULL,NULL,NULL,1,'2026-12-01T16:33:50.978331+00:00','2026-12-01T16:33:50.978331+00:00');
INSERT INTO "users" VALUES('o-8jEpWVxu9DXaigljkBKT71WxP9','',NULL,'rejected',NULL,'',NULL,NULL,NULL,1,'2026-12-01T16:33:50.980385+00:00','2026-12-01T16:33:50.980385+00:00');
INSERT INTO "users" VALUES('oxTEvcWby-ezO1GyKQoRPHYZgapN','',NULL,'pending',4,'何新','2026-12-01T16:33:50.984169+00:00',NULL,NULL,1,'2026-12-01T16:33:50.983477+00:00','2026-12-01T16:33:50.983477+00:00');
INSERT INTO "users" VALUES('oBoQAeftNV4lIq7dv6rMOJBY2ngv','',NULL,'unknown',NULL,'',NULL,NULL,NULL,1,'2026-12-01T16:33:51.017587+00:00','2026-12-01T16:33:51.017587+00:00');
CREATE INDEX expenses_group_status_amount ON expenses (group_id, status, amount_fen);
CREATE INDEX expenses_openid_status_amount_batch ON expenses (openid, status, amount_fen, settlement_id);
CREATE INDEX settlements_group ON settlements (group_id, id);
CREATE INDEX settlements_source_msg_id ON settlements (source_msg_id);
CREATE INDEX expenses_likely_duplicate ON expenses (openid, amount_fen, note, recorded_at);
CREATE UNIQUE INDEX exports_daily_once ON exports (kind, date) WHERE trigger = 'daily';
CREATE INDEX exports_upload_state ON exports (upload_state, state);
CREATE INDEX lotteries_state_draw_at ON lotteries (state, draw_at);
CREATE INDEX payments_openid ON payments (openid, id);
CREATE INDEX payments_status ON payments (status, created_at);
CREATE INDEX payments_status_amount ON payments (status, amount_fen);
CREATE INDEX registration_requests_status ON registration_requests (status, id);
CREATE INDEX registration_requests_openid ON registration_requests (openid, status);
CREATE INDEX registration_requests_decided_msg_id ON registration_requests (decided_msg_id);
COMMIT;
